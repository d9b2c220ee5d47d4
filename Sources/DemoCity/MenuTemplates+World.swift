// Menu templates: burgers, Turkish, Lebanese, Mexican, vegan, Ethiopian.
extension MenuTemplate {
    static let burgers = MenuTemplate(
        cuisine: "Burgers", prepMinutes: 15,
        groups: [
            .size: .one("Size", [("Single patty", 0), ("Double patty", 200), ("Triple patty", 400)]),
            .portion: .one("Portion", [("Regular", 0), ("Large", 200), ("Sharing", 400)]),
            .sauce: .one("Dip", [("Ketchup", 0), ("Mayo", 0), ("BBQ", 0), ("Truffle mayo", 50)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Cheddar", 100), ("Bacon", 150), ("Fried egg", 120), ("Jalapeños", 80), ("Caramelised onions", 90), ("Avocado", 200),
                ]),
        ],
        sections: [
            .section(
                "Burgers",
                [
                    .item("Cheeseburger", "Beef, cheddar, pickles, onions, house sauce", 990, .size, .extras),
                    .item("Smash burger", "Two thin patties, American cheese", 1090, .extras),
                    .item("Bacon BBQ burger", "Beef, bacon, onion rings, BBQ sauce", 1250, .size, .extras),
                    .item("Chili cheese burger", "Beef, jalapeños, chili cheese sauce", 1190, .size),
                    .item("Crispy chicken burger", "Buttermilk chicken, slaw, spicy mayo", 1090, .extras),
                    .item("Plant-based burger", "Vegan patty, vegan cheese, tomato", 1190, .size, .extras),
                    .item("Halloumi burger", "Grilled halloumi, rocket, chutney", 1050),
                ]),
            .section(
                "Sides",
                [
                    .item("Fries", "Twice-cooked, sea salt", 390, .portion, .sauce),
                    .item("Sweet potato fries", "With chipotle dip", 490, .portion),
                    .item("Onion rings", "Beer batter (alcohol-free)", 450, .sauce),
                    .item("Coleslaw", "Creamy, homemade", 350),
                    .item("Chicken wings (6)", "Buffalo or BBQ", 690, .sauce),
                ]),
            .drinks([
                .item("Vanilla milkshake", "Thick, 0.3 l", 450),
                .item("Homemade lemonade", "Ginger and lime", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Brownie", "Warm, salted caramel", 390),
                    .item("New York cheesecake", "Berry compote", 450),
                    .item("Cookie dough", "Chocolate chip", 420),
                ]),
        ])

    static let turkish = MenuTemplate(
        cuisine: "Turkish", prepMinutes: 10,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("XXL", 400)]),
            .sauce: .one("Sauce", [("Garlic", 0), ("Herb", 0), ("Spicy", 0), ("All three", 0)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Extra meat", 250), ("Sheep's cheese", 100), ("Halloumi", 150), ("Extra sauce", 50), ("Grilled vegetables", 120),
                ]),
        ],
        sections: [
            .section(
                "Döner & dürüm",
                [
                    .item("Döner kebab", "Veal döner, salad, bread from the stone oven", 690, .size, .sauce, .extras),
                    .item("Dürüm", "Döner rolled in yufka", 790, .size, .sauce, .extras),
                    .item("Chicken döner", "Chicken, salad, three sauces", 690, .size, .sauce, .extras),
                    .item("Veggie döner", "Grilled vegetables, feta, salad", 650, .sauce, .extras),
                    .item("Döner plate", "With fries or rice, salad", 1190, .sauce),
                    .item("Lahmacun", "Turkish pizza, salad, lemon", 550, .extras),
                    .item("İskender", "Döner on bread, tomato butter, yoghurt", 1390),
                ]),
            .section(
                "From the grill",
                [
                    .item("Adana kebab", "Spicy minced lamb skewer, bulgur", 1390),
                    .item("Köfte plate", "Grilled meatballs, rice, salad", 1290),
                    .item("Chicken shish", "Marinated chicken skewers", 1290),
                    .item("Pide with sucuk", "Boat-shaped flatbread, egg", 1090, .extras),
                ]),
            .optional(
                "Sides",
                [
                    .item("Fries", "Crispy", 390),
                    .item("Çoban salatası", "Shepherd's salad", 490),
                    .item("Bulgur pilavı", "Tomato bulgur", 350),
                    .item("Hummus", "With pide bread", 450),
                ]),
            .drinks([
                .item("Ayran", "Salted yoghurt drink", 250),
                .item("Şalgam", "Turnip juice, spicy", 290),
                .item("Turkish tea", "Çay, two glasses", 250),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Baklava (4)", "Pistachio", 450),
                    .item("Künefe", "Warm, with cheese and syrup", 690),
                    .item("Sütlaç", "Baked rice pudding", 390),
                ]),
        ])

    static let lebanese = MenuTemplate(
        cuisine: "Lebanese", prepMinutes: 12,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("For two", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Halloumi", 150), ("Three falafel", 150), ("Garlic sauce", 50), ("Pickles", 50), ("Hummus", 100),
                ]),
        ],
        sections: [
            .section(
                "Mezze",
                [
                    .item("Hummus", "Chickpeas, tahini, olive oil", 550),
                    .item("Moutabal", "Smoked aubergine, tahini", 590),
                    .item("Tabbouleh", "Parsley, bulgur, lemon", 590),
                    .item("Fattoush", "Crispy bread salad, sumac", 650),
                    .item("Warak enab", "Stuffed vine leaves", 590),
                    .item("Mezze platter", "Six mezze with bread", 1490, .size),
                ]),
            .section(
                "Wraps & plates",
                [
                    .item("Falafel wrap", "Tahini, pickles, tomatoes", 650, .extras),
                    .item("Chicken shawarma wrap", "Garlic sauce, pickles", 750, .extras),
                    .item("Beef shawarma wrap", "Tahini, parsley, onions", 850, .extras),
                    .item("Halloumi wrap", "Grilled halloumi, mint, tomatoes", 750, .extras),
                    .item("Shawarma plate", "Chicken or beef, rice, salad", 1390, .size),
                    .item("Mixed grill", "Kafta, shish taouk, lamb", 1790),
                    .item("Falafel plate", "Six falafel, hummus, salad", 1090, .extras),
                ]),
            .optional(
                "Sides",
                [
                    .item("Za'atar fries", "With garlic sauce", 390),
                    .item("Grilled vegetables", "Aubergine, peppers, courgette", 490),
                    .item("Manakish", "Za'atar flatbread", 450),
                ]),
            .drinks([
                .item("Jallab", "Grape molasses, rose water, pine nuts", 390),
                .item("Mint lemonade", "Freshly blended", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Baklava", "Mixed nuts", 450),
                    .item("Knafeh", "Warm cheese pastry, syrup", 650),
                    .item("Mouhalabieh", "Milk pudding, orange blossom", 450),
                ]),
        ])

    static let mexican = MenuTemplate(
        cuisine: "Mexican", prepMinutes: 15,
        groups: [
            .choice: .one("Filling", [("Beans and veggies", 0), ("Chicken tinga", 100), ("Carnitas", 150), ("Beef barbacoa", 200)]),
            .size: .one("Size", [("Regular", 0), ("Grande", 200), ("Super", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Guacamole", 200), ("Sour cream", 80), ("Cheese", 100), ("Jalapeños", 50), ("Pico de gallo", 80),
                ]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Nachos", "Cheese, beans, pico de gallo", 690, .extras),
                    .item("Guacamole and chips", "Made to order", 590),
                    .item("Elote", "Grilled corn, cotija, chili, lime", 490),
                    .item("Quesadilla", "Corn tortilla, Oaxaca cheese", 750, .choice),
                ]),
            .section(
                "Tacos & burritos",
                [
                    .item("Tacos al pastor (3)", "Pork, pineapple, onion, coriander", 990),
                    .item("Tacos de pollo (3)", "Chicken tinga, crema", 950),
                    .item("Baja fish tacos (3)", "Crispy fish, cabbage, chipotle", 1090),
                    .item("Burrito", "Rice, beans, salsa, your filling", 1090, .choice, .size, .extras),
                    .item("Burrito bowl", "Without the tortilla", 1090, .choice, .extras),
                    .item("Enchiladas verdes", "Chicken, green salsa, cheese", 1190),
                    .item("Chili sin carne", "Beans, corn, sour cream", 950),
                ]),
            .optional(
                "Sides",
                [
                    .item("Mexican rice", "Tomato, garlic", 350),
                    .item("Black beans", "With epazote", 350),
                    .item("Sweet potato wedges", "Chipotle mayo", 450),
                ]),
            .drinks([
                .item("Horchata", "Rice, cinnamon", 390),
                .item("Jarritos", "Mandarin or tamarind", 350),
                .item("Agua de jamaica", "Hibiscus", 350),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Churros", "Chocolate sauce", 490),
                    .item("Tres leches", "Three-milk cake", 550),
                    .item("Flan", "Caramel custard", 450),
                ]),
        ])

    static let vegan = MenuTemplate(
        cuisine: "Vegan", prepMinutes: 15,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("Extra large", 400)]),
            .extras: .upTo(
                3, "Toppings",
                [
                    ("Avocado", 200), ("Smoked tofu", 150), ("Tempeh", 150), ("Seed mix", 50), ("Hummus", 100),
                ]),
        ],
        sections: [
            .section(
                "Bowls & salads",
                [
                    .item("Buddha bowl", "Quinoa, roasted vegetables, tahini", 1090, .size, .extras),
                    .item("Falafel bowl", "Falafel, hummus, pickled cabbage", 1050, .size, .extras),
                    .item("Teriyaki tofu bowl", "Rice, edamame, sesame", 1150, .size, .extras),
                    .item("Sweet potato and lentil bowl", "Dukkah, coriander yoghurt", 1090),
                    .item("Green goddess salad", "Kale, avocado, herbs", 990, .extras),
                ]),
            .section(
                "Burgers & wraps",
                [
                    .item("Seitan burger", "Smoky seitan, cashew cheese", 1150),
                    .item("Jackfruit BBQ burger", "Pulled jackfruit, slaw", 1190),
                    .item("Cauliflower shawarma wrap", "Tahini, pickles", 890),
                    .item("Vegan currywurst", "With fries", 790),
                ]),
            .optional(
                "Sides",
                [
                    .item("Sweet potato fries", "Aioli", 450),
                    .item("Kale chips", "Nutritional yeast", 390),
                    .item("Soup of the day", "With bread", 550),
                ]),
            .drinks([
                .item("Green smoothie", "Spinach, banana, mango", 450),
                .item("Oat flat white", "Double shot", 380),
                .item("Kombucha", "Ginger", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Raw chocolate cake", "Dates, cashews, cacao", 490),
                    .item("Chia pudding", "Coconut, berries", 450),
                    .item("Banana bread", "Toasted, with peanut butter", 350),
                ]),
        ])

    static let ethiopian = MenuTemplate(
        cuisine: "Ethiopian", prepMinutes: 25,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("For sharing", 400)]),
            .spice: .one("Spice level", [("Mild", 0), ("Medium", 0), ("Hot", 0)]),
            .extras: .upTo(3, "Extras", [("Extra injera", 150), ("Ayib cheese", 200), ("Boiled egg", 100), ("Mitmita", 50)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Lentil sambusa (2)", "Crispy pastry, green chili", 550),
                    .item("Beef sambusa (2)", "Spiced minced beef", 590),
                    .item("Timatim salad", "Tomatoes, onions, jalapeño", 590),
                    .item("Azifa", "Green lentil salad, mustard", 590),
                ]),
            .section(
                "Mains on injera",
                [
                    .item("Doro wat", "Chicken in berbere, egg", 1490, .spice, .extras),
                    .item("Beyaynetu", "Vegan platter of five wats", 1390, .size, .extras),
                    .item("Siga tibs", "Sautéed beef, rosemary, peppers", 1590, .spice, .extras),
                    .item("Shiro wat", "Chickpea stew", 1190, .spice),
                    .item("Misir wat", "Red lentils in berbere", 1150, .spice),
                    .item("Kitfo", "Minced beef, mitmita butter", 1690),
                ]),
            .drinks([
                .item("Ethiopian coffee", "Freshly roasted, with frankincense", 350),
                .item("Spiced tea", "Cloves, cinnamon", 290),
                .item("Mango juice", "Thick", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Honey bread", "Dabo with honey", 390),
                    .item("Baklava", "Walnuts", 450),
                    .item("Mango sorbet", "Two scoops", 390),
                ]),
        ])
}
