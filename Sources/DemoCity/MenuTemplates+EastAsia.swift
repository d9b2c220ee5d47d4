// Menu templates: sushi, ramen, poke, Korean, Chinese.
extension MenuTemplate {
    static let sushi = MenuTemplate(
        cuisine: "Sushi", prepMinutes: 20,
        groups: [
            .size: .one("Pieces", [("6 pieces", 0), ("9 pieces", 200), ("12 pieces", 400)]),
            .extras: .upTo(3, "Extras", [("Spicy mayo", 80), ("Unagi sauce", 80), ("Extra wasabi", 50), ("Extra ginger", 50)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Miso soup", "Tofu, wakame, spring onion", 350),
                    .item("Edamame", "With sea salt", 450),
                    .item("Wakame salad", "Sesame dressing", 550),
                    .item("Gyoza", "Five pan-fried chicken dumplings", 590),
                    .item("Ebi tempura", "Four prawns, tentsuyu dip", 790),
                ]),
            .section(
                "Maki & rolls",
                [
                    .item("Sake maki", "Salmon", 550, .size, .extras),
                    .item("Kappa maki", "Cucumber", 450, .size),
                    .item("Avocado maki", "Avocado, sesame", 490, .size, .extras),
                    .item("Tekka maki", "Tuna", 650, .size),
                    .item("Spicy tuna roll", "Tuna, chili mayo, cucumber", 890, .extras),
                    .item("California roll", "Surimi, avocado, tobiko", 850),
                    .item("Crunchy salmon roll", "Salmon, tempura flakes, teriyaki", 990, .extras),
                ]),
            .section(
                "Nigiri & sashimi",
                [
                    .item("Sake nigiri (2)", "Salmon", 450),
                    .item("Maguro nigiri (2)", "Tuna", 550),
                    .item("Ebi nigiri (2)", "Prawn", 450),
                    .item("Sashimi mix (12)", "Salmon, tuna, yellowtail", 1690),
                    .item("Chirashi bowl", "Sashimi over sushi rice", 1590, .extras),
                ]),
            .drinks([
                .item("Green tea", "Sencha, pot", 290),
                .item("Ramune", "Japanese marble soda", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Mochi (3)", "Matcha, mango, black sesame", 490),
                    .item("Matcha cheesecake", "Baked", 550),
                    .item("Dorayaki", "Pancakes, red bean paste", 390),
                ]),
        ])

    static let ramen = MenuTemplate(
        cuisine: "Ramen", prepMinutes: 15,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("Extra noodles", 400)]),
            .spice: .one("Spice level", [("Mild", 0), ("Spicy", 0), ("Extra spicy", 0)]),
            .extras: .upTo(
                3, "Toppings",
                [
                    ("Ajitama egg", 150), ("Extra chashu", 250), ("Nori", 50), ("Corn", 80), ("Butter", 80), ("Menma", 100),
                ]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Gyoza", "Five pork dumplings", 590),
                    .item("Karaage", "Japanese fried chicken, lemon mayo", 690),
                    .item("Edamame", "Sea salt or chili garlic", 450),
                    .item("Takoyaki", "Octopus balls, bonito flakes", 650),
                ]),
            .section(
                "Ramen",
                [
                    .item("Tonkotsu ramen", "Rich pork broth, chashu, egg", 1390, .size, .extras),
                    .item("Shoyu ramen", "Soy chicken broth, chashu", 1290, .size, .extras),
                    .item("Miso ramen", "Sapporo-style miso, corn, butter", 1350, .size, .extras),
                    .item("Tantanmen", "Sesame chili broth, minced pork", 1390, .size, .spice, .extras),
                    .item("Vegan miso ramen", "Miso broth, tofu, vegetables", 1250, .size, .spice),
                    .item("Tsukemen", "Dipping noodles, thick broth", 1450),
                ]),
            .optional(
                "Rice",
                [
                    .item("Chashu don", "Braised pork belly on rice", 1190),
                    .item("Katsu curry", "Pork cutlet, Japanese curry, rice", 1390),
                    .item("Onigiri", "Salmon or umeboshi", 390),
                ]),
            .drinks([
                .item("Calpis", "Yoghurt soda", 350),
                .item("Iced green tea", "Unsweetened", 320),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Mochi ice cream (2)", "Matcha and sesame", 490),
                    .item("Matcha ice cream", "Two scoops", 450),
                    .item("Taiyaki", "Fish-shaped waffle, custard", 420),
                ]),
        ])

    static let poke = MenuTemplate(
        cuisine: "Poke", prepMinutes: 10,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("Hungry", 400)]),
            .choice: .one("Base", [("Sushi rice", 0), ("Brown rice", 0), ("Mixed greens", 0), ("Soba noodles", 100)]),
            .extras: .upTo(
                3, "Toppings",
                [
                    ("Avocado", 200), ("Edamame", 100), ("Mango", 100), ("Crispy onions", 50), ("Extra salmon", 250), ("Tobiko", 150),
                ]),
        ],
        sections: [
            .section(
                "Signature bowls",
                [
                    .item("Classic salmon", "Salmon, avocado, cucumber, ponzu", 1290, .size, .choice, .extras),
                    .item("Spicy tuna", "Tuna, sriracha mayo, jalapeño", 1390, .size, .choice, .extras),
                    .item("Teriyaki chicken", "Chicken, pineapple, sesame", 1190, .size, .choice, .extras),
                    .item("Tofu and mango", "Marinated tofu, mango, edamame", 1090, .size, .choice, .extras),
                    .item("Shrimp tempura", "Tempura prawns, wakame, kewpie", 1350, .size, .extras),
                    .item("Hawaiian ahi", "Tuna, onions, limu, shoyu", 1450, .size),
                ]),
            .section(
                "Sides",
                [
                    .item("Miso soup", "Tofu, wakame", 350),
                    .item("Edamame", "Sea salt", 450),
                    .item("Seaweed salad", "Sesame", 490),
                    .item("Veggie gyoza", "Five pieces", 550),
                ]),
            .drinks([
                .item("Matcha lemonade", "Homemade", 390),
                .item("Yuzu soda", "Japanese citrus", 380),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Mochi ice cream (2)", "Mango and passion fruit", 450),
                    .item("Açaí bowl", "Banana, granola, berries", 790),
                    .item("Chia pudding", "Coconut, mango", 450),
                ]),
        ])

    static let korean = MenuTemplate(
        cuisine: "Korean", prepMinutes: 18,
        groups: [
            .size: .one("Size", [("6 pieces", 0), ("9 pieces", 200), ("12 pieces", 400)]),
            .sauce: .one("Sauce", [("Soy garlic", 0), ("Yangnyeom", 0), ("Honey butter", 0)]),
            .spice: .one("Spice level", [("Mild", 0), ("Medium", 0), ("Hot", 0)]),
            .extras: .upTo(3, "Extras", [("Fried egg", 100), ("Extra kimchi", 150), ("Cheese", 150), ("Extra rice", 200)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Mandu", "Six pork and kimchi dumplings", 590),
                    .item("Kimchi jeon", "Kimchi pancake", 690),
                    .item("Japchae", "Glass noodles, vegetables, sesame", 750),
                    .item("Tteokbokki", "Rice cakes, gochujang sauce", 790, .spice),
                ]),
            .section(
                "Mains",
                [
                    .item("Bibimbap", "Rice, vegetables, beef, egg, gochujang", 1190, .spice, .extras),
                    .item("Dolsot bibimbap", "In a sizzling stone bowl", 1290, .extras),
                    .item("Bulgogi", "Marinated beef, rice, banchan", 1390, .extras),
                    .item("Kimchi jjigae", "Kimchi stew, pork, tofu", 1190, .spice),
                    .item("Korean fried chicken", "Double-fried, crunchy", 1090, .size, .sauce),
                    .item("Sundubu jjigae", "Soft tofu stew, seafood", 1090, .spice),
                ]),
            .optional(
                "Sides",
                [
                    .item("Kimchi", "Homemade, fermented three weeks", 350),
                    .item("Steamed rice", "Short grain", 250),
                    .item("Danmuji", "Pickled yellow radish", 250),
                ]),
            .drinks([
                .item("Corn silk tea", "Iced", 350),
                .item("Milkis", "Milk soda", 350),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Bingsu", "Shaved milk ice, red beans", 690),
                    .item("Hotteok", "Sweet filled pancake", 450),
                    .item("Yakgwa", "Honey cookies", 390),
                ]),
        ])

    static let chinese = MenuTemplate(
        cuisine: "Chinese", prepMinutes: 18,
        groups: [
            .portion: .one("Portion", [("8 pieces", 0), ("12 pieces", 200), ("16 pieces", 400)]),
            .spice: .one("Spice level", [("Mild", 0), ("Medium", 0), ("Sichuan hot", 0)]),
            .extras: .upTo(3, "Extras", [("Chili oil", 50), ("Black vinegar", 50), ("Fried egg", 100), ("Extra bok choy", 150)]),
        ],
        sections: [
            .section(
                "Dumplings",
                [
                    .item("Pork and cabbage jiaozi", "Boiled, with black vinegar", 790, .portion, .extras),
                    .item("Vegetable jiaozi", "Shiitake, tofu, glass noodles", 750, .portion, .extras),
                    .item("Xiaolongbao (6)", "Soup dumplings", 890),
                    .item("Har gow (4)", "Prawn dumplings", 790),
                    .item("Guotie", "Pan-fried pork potstickers", 790, .portion),
                ]),
            .section(
                "Noodles & wok",
                [
                    .item("Dan dan noodles", "Sesame, chili oil, minced pork", 1090, .spice, .extras),
                    .item("Biang biang noodles", "Hand-pulled, cumin lamb", 1190, .spice),
                    .item("Mapo tofu", "Silken tofu, Sichuan pepper, rice", 1150, .spice),
                    .item("Kung pao chicken", "Peanuts, dried chili, rice", 1250, .spice),
                    .item("Egg fried rice", "Spring onions, peas", 890, .extras),
                    .item("Beef chow fun", "Wide rice noodles, bean sprouts", 1290),
                ]),
            .optional(
                "Sides",
                [
                    .item("Smacked cucumber", "Garlic, chili oil", 490),
                    .item("Garlic bok choy", "Stir-fried", 590),
                    .item("Scallion pancake", "Flaky, crispy", 550),
                ]),
            .drinks([
                .item("Jasmine tea", "Pot", 290),
                .item("Wong Lo Kat", "Herbal tea drink", 350),
                .item("Soy milk", "Fresh, lightly sweet", 320),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Sesame balls", "Red bean filling", 450),
                    .item("Mango pudding", "Evaporated milk", 450),
                    .item("Egg tarts (2)", "Hong Kong style", 390),
                ]),
        ])
}
