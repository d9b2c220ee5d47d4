// Menu templates: Vietnamese, Thai, Indian.
extension MenuTemplate {
    static let vietnamese = MenuTemplate(
        cuisine: "Vietnamese", prepMinutes: 15,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("Jumbo", 400)]),
            .choice: .one("Choice", [("Tofu", 0), ("Chicken", 100), ("Beef", 200), ("Prawns", 300)]),
            .extras: .upTo(3, "Extras", [("Extra herbs", 50), ("Fried egg", 100), ("Extra noodles", 150), ("Chili oil", 50)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Gỏi cuốn", "Two summer rolls, peanut dip", 550, .choice),
                    .item("Nem rán", "Crispy spring rolls, nước chấm", 550),
                    .item("Green papaya salad", "Herbs, peanuts, lime", 690),
                    .item("Wonton soup", "Pork and prawn wontons", 550),
                ]),
            .section(
                "Phở & soups",
                [
                    .item("Phở bò", "Beef noodle soup, 12-hour broth", 1190, .size, .extras),
                    .item("Phở gà", "Chicken noodle soup", 1090, .size, .extras),
                    .item("Bún bò Huế", "Spicy lemongrass beef soup", 1290, .size),
                    .item("Vegan phở", "Mushroom broth, tofu", 1050, .size, .extras),
                ]),
            .section(
                "Mains",
                [
                    .item("Bún chả", "Grilled pork, rice noodles, herbs", 1290),
                    .item("Bún xào", "Stir-fried noodles, vegetables", 1150, .choice, .extras),
                    .item("Cơm gà", "Lemongrass chicken, broken rice", 1190),
                    .item("Saigon curry", "Coconut curry, sweet potato", 1250, .choice),
                    .item("Bánh mì", "Baguette, pâté, pickles, coriander", 790, .choice),
                ]),
            .drinks([
                .item("Cà phê sữa đá", "Vietnamese iced coffee", 390),
                .item("Lemongrass iced tea", "Homemade", 350),
                .item("Coconut water", "Young coconut", 350),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Chè ba màu", "Three-colour bean dessert", 450),
                    .item("Fried banana", "With coconut ice cream", 450),
                    .item("Coconut flan", "Caramel", 420),
                ]),
        ])

    static let thai = MenuTemplate(
        cuisine: "Thai", prepMinutes: 18,
        groups: [
            .choice: .one("Choice", [("Tofu", 0), ("Chicken", 0), ("Beef", 200), ("Duck", 300), ("Prawns", 300)]),
            .spice: .one("Spice level", [("Mild", 0), ("Medium", 0), ("Thai hot", 0)]),
            .extras: .upTo(3, "Extras", [("Jasmine rice", 200), ("Fried egg", 100), ("Cashews", 150), ("Extra vegetables", 150)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Tom kha gai", "Coconut galangal soup with chicken", 590),
                    .item("Tom yum goong", "Hot and sour prawn soup", 690, .spice),
                    .item("Por pia tod", "Crispy spring rolls", 490),
                    .item("Chicken satay", "Four skewers, peanut sauce", 690),
                    .item("Som tam", "Green papaya salad", 750, .spice),
                ]),
            .section(
                "Curries",
                [
                    .item("Green curry", "Thai aubergine, basil, coconut", 1190, .choice, .spice, .extras),
                    .item("Red curry", "Bamboo shoots, kaffir lime", 1190, .choice, .spice, .extras),
                    .item("Panang curry", "Rich peanut curry", 1250, .choice, .spice),
                    .item("Massaman curry", "Potatoes, peanuts, mild", 1290, .choice, .extras),
                ]),
            .section(
                "Wok",
                [
                    .item("Pad thai", "Rice noodles, tamarind, peanuts", 1150, .choice, .spice, .extras),
                    .item("Pad krapao", "Holy basil stir-fry, fried egg", 1190, .choice, .spice),
                    .item("Pad see ew", "Wide noodles, Chinese broccoli", 1150, .choice),
                    .item("Khao pad", "Thai fried rice", 1050, .choice, .extras),
                ]),
            .drinks([
                .item("Thai iced tea", "With condensed milk", 390),
                .item("Lychee lemonade", "Homemade", 390),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Mango sticky rice", "Coconut cream", 590),
                    .item("Coconut ice cream", "Roasted peanuts", 450),
                    .item("Banana roti", "Condensed milk", 490),
                ]),
        ])

    static let indian = MenuTemplate(
        cuisine: "Indian", prepMinutes: 22,
        groups: [
            .spice: .one("Spice level", [("Mild", 0), ("Medium", 0), ("Hot", 0), ("Indian hot", 0)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Basmati rice", 250), ("Garlic naan", 250), ("Raita", 200), ("Extra paneer", 250), ("Mango chutney", 100),
                ]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Samosa (2)", "Potato and pea, tamarind chutney", 490),
                    .item("Onion bhaji", "Chickpea batter, mint dip", 490),
                    .item("Papadum", "With three chutneys", 350),
                    .item("Chicken tikka starter", "From the tandoor", 790),
                    .item("Dal soup", "Red lentils, cumin", 450),
                ]),
            .section(
                "Curries",
                [
                    .item("Butter chicken", "Tandoori chicken in tomato-butter sauce", 1390, .spice, .extras),
                    .item("Chicken tikka masala", "Creamy, smoky", 1390, .spice, .extras),
                    .item("Lamb rogan josh", "Kashmiri chili, slow-cooked", 1590, .spice, .extras),
                    .item("Palak paneer", "Spinach, homemade cheese", 1190, .spice, .extras),
                    .item("Chana masala", "Chickpeas, tomatoes (vegan)", 1050, .spice, .extras),
                    .item("Dal makhani", "Black lentils, butter, cream", 1090, .spice),
                    .item("Prawn madras", "Coconut, curry leaves", 1590, .spice),
                ]),
            .section(
                "Tandoor & biryani",
                [
                    .item("Tandoori chicken", "Half chicken, yoghurt marinade", 1490),
                    .item("Chicken biryani", "Saffron basmati, raita", 1390, .spice),
                    .item("Vegetable biryani", "Saffron basmati, raita", 1190, .spice),
                    .item("Paneer tikka", "Grilled paneer, peppers, onions", 1290),
                ]),
            .optional(
                "Breads & sides",
                [
                    .item("Plain naan", "From the tandoor", 290),
                    .item("Garlic naan", "Butter, coriander", 350),
                    .item("Cheese naan", "Filled", 390),
                    .item("Basmati rice", "Steamed", 290),
                    .item("Raita", "Cucumber yoghurt", 290),
                ]),
            .drinks([
                .item("Mango lassi", "Yoghurt, Alphonso mango", 390),
                .item("Salted lassi", "With roasted cumin", 350),
                .item("Masala chai", "Spiced milk tea", 320),
            ]),
        ])
}
