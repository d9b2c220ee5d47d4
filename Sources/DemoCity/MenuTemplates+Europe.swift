// Menu templates: pizza, Italian pasta, Greek, German, bakery & café, Georgian.
extension MenuTemplate {
    static let pizza = MenuTemplate(
        cuisine: "Pizza", prepMinutes: 18,
        groups: [
            .size: .one("Size", [("26 cm", 0), ("30 cm", 200), ("34 cm", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Extra mozzarella", 150), ("Buffalo mozzarella", 250), ("Spicy salami", 200), ("Mushrooms", 100),
                    ("Rocket", 100), ("Jalapeños", 80),
                ]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Bruschetta", "Toasted sourdough, tomatoes, garlic, basil", 590),
                    .item("Garlic bread", "From the wood-fired oven, with rosemary", 450),
                    .item("Burrata", "Creamy burrata, cherry tomatoes, olive oil", 990),
                    .item("Insalata mista", "Mixed leaves, cucumber, carrots, balsamic", 750),
                ]),
            .section(
                "Pizza",
                [
                    .item("Margherita", "San Marzano tomatoes, fior di latte, basil", 890, .size, .extras),
                    .item("Marinara", "Tomatoes, garlic, oregano, olive oil (vegan)", 790, .size, .extras),
                    .item("Salame piccante", "Tomatoes, mozzarella, spicy Calabrian salami", 1090, .size, .extras),
                    .item("Funghi", "Tomatoes, mozzarella, mushrooms, parsley", 990, .size, .extras),
                    .item("Quattro formaggi", "Mozzarella, gorgonzola, parmesan, taleggio", 1190, .size),
                    .item("Diavola", "Tomatoes, mozzarella, 'nduja, chili honey", 1150, .size),
                    .item("Prosciutto e rucola", "Mozzarella, Parma ham, rocket, parmesan", 1290, .size),
                    .item("Verdure", "Grilled courgette, aubergine, peppers, mozzarella", 1050, .size, .extras),
                ]),
            .optional(
                "Desserts",
                [
                    .item("Tiramisù", "Mascarpone, espresso, cocoa", 550),
                    .item("Panna cotta", "With forest berry sauce", 490),
                    .item("Cannoli siciliani", "Two crisp shells, ricotta, pistachio", 450),
                ]),
            .drinks([
                .item("San Pellegrino Limonata", "0.33 l", 330),
                .item("Chinotto", "Bitter orange soda, 0.33 l", 350),
            ]),
        ])

    static let pasta = MenuTemplate(
        cuisine: "Italian", prepMinutes: 18,
        groups: [
            .choice: .one("Pasta", [("Spaghetti", 0), ("Rigatoni", 0), ("Tagliatelle", 0), ("Gluten-free penne", 150)]),
            .portion: .one("Portion", [("Regular", 0), ("Large", 200), ("Sharing", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Parmigiano", 100), ("Burrata", 250), ("Chili oil", 50), ("Extra guanciale", 200), ("Truffle oil", 150),
                ]),
        ],
        sections: [
            .section(
                "Antipasti",
                [
                    .item("Bruschetta al pomodoro", "Grilled bread, tomatoes, basil", 590),
                    .item("Vitello tonnato", "Thin veal, tuna-caper sauce", 1090),
                    .item("Minestrone", "Vegetable soup with borlotti beans", 650),
                    .item("Caprese", "Tomatoes, buffalo mozzarella, basil", 890),
                    .item("Arancini", "Three fried risotto balls, ragù filling", 750),
                ]),
            .section(
                "Pasta",
                [
                    .item("Carbonara", "Guanciale, egg yolk, pecorino, black pepper", 1290, .choice, .portion, .extras),
                    .item("Cacio e pepe", "Pecorino romano, black pepper", 1150, .choice, .portion, .extras),
                    .item("Tagliatelle al ragù", "Slow-cooked beef and pork ragù", 1350, .portion, .extras),
                    .item("Penne all'arrabbiata", "Tomatoes, garlic, chili (vegan)", 1050, .choice, .portion, .extras),
                    .item("Pappardelle ai funghi", "Porcini, cream, thyme", 1390, .portion),
                    .item("Lasagne al forno", "Bolognese, béchamel, parmesan", 1350),
                    .item("Gnocchi al pesto", "Potato gnocchi, Genovese basil pesto", 1250),
                    .item("Ravioli ricotta e spinaci", "Sage butter, parmesan", 1290),
                ]),
            .optional(
                "Sides",
                [
                    .item("Focaccia", "Rosemary and sea salt", 450),
                    .item("Insalata verde", "Green salad, lemon dressing", 550),
                    .item("Rucola e parmigiano", "Rocket, shaved parmesan, balsamic", 750),
                ]),
            .drinks([
                .item("San Pellegrino Aranciata", "0.33 l", 330),
                .item("Espresso", "Double shot", 250),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Tiramisù della casa", "Made every morning", 590),
                    .item("Panna cotta", "Vanilla, caramel", 550),
                    .item("Affogato", "Vanilla gelato drowned in espresso", 490),
                ]),
        ])

    static let greek = MenuTemplate(
        cuisine: "Greek", prepMinutes: 18,
        groups: [
            .size: .one("Size", [("Regular", 0), ("Large", 200), ("Hungry", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Feta", 150), ("Tzatziki", 100), ("Pita bread", 150), ("Grilled halloumi", 200), ("Extra meat", 250),
                ]),
        ],
        sections: [
            .section(
                "Meze",
                [
                    .item("Tzatziki", "Yoghurt, cucumber, garlic, with pita", 450),
                    .item("Taramosalata", "Fish roe dip, lemon", 490),
                    .item("Saganaki", "Fried kefalograviera cheese", 690),
                    .item("Dolmadakia", "Vine leaves stuffed with herbed rice", 550),
                    .item("Horiatiki", "Greek salad with feta and Kalamata olives", 890),
                    .item("Spanakopita", "Spinach and feta filo pie", 650),
                ]),
            .section(
                "From the grill",
                [
                    .item("Gyros plate", "Pork gyros, fries, tzatziki, salad", 1390, .size, .extras),
                    .item("Gyros pita", "Wrapped with tomatoes, onions, tzatziki", 750, .extras),
                    .item("Souvlaki", "Two pork skewers, rice, salad", 1390, .size),
                    .item("Bifteki", "Minced beef stuffed with feta", 1350),
                    .item("Chicken souvlaki pita", "Chicken skewer, pita, tzatziki", 750, .extras),
                    .item("Moussaka", "Aubergine, minced lamb, béchamel", 1390),
                    .item("Grilled halloumi", "With grilled vegetables and rice", 1190),
                ]),
            .optional(
                "Sides",
                [
                    .item("Fries with oregano", "And a little feta", 390),
                    .item("Tomato rice", "Greek style", 350),
                    .item("Pita bread", "Grilled, with olive oil", 250),
                ]),
            .drinks([
                .item("Frappé", "Iced Greek coffee", 390),
                .item("Mountain tea", "Sideritis, hot or iced", 320),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Baklava", "Filo, walnuts, honey syrup", 490),
                    .item("Greek yoghurt", "With thyme honey and walnuts", 450),
                    .item("Loukoumades", "Honey doughnuts, cinnamon", 550),
                ]),
        ])

    static let german = MenuTemplate(
        cuisine: "German", prepMinutes: 12,
        groups: [
            .spice: .one("Curry sauce", [("Mild", 0), ("Medium", 0), ("Hot", 0), ("Very hot", 50)]),
            .portion: .one("Portion", [("Regular", 0), ("Large", 200), ("Sharing", 400)]),
            .extras: .upTo(
                3, "Extras",
                [
                    ("Fries", 250), ("Extra sauce", 50), ("Roasted onions", 60), ("Bread roll", 100), ("Mayonnaise", 50),
                ]),
        ],
        sections: [
            .section(
                "Currywurst",
                [
                    .item("Currywurst", "Berlin style, with or without skin", 490, .spice, .extras),
                    .item("Currywurst XXL", "Double sausage, double sauce", 790, .spice, .extras),
                    .item("Vegan currywurst", "Seitan sausage, house curry sauce", 550, .spice, .extras),
                    .item("Bratwurst", "Thüringer style, mustard, roll", 450, .extras),
                ]),
            .section(
                "Mains",
                [
                    .item("Wiener Schnitzel", "Veal, lemon, lingonberries, potato salad", 1690),
                    .item("Schnitzel Berliner Art", "Pork schnitzel, fried potatoes", 1290, .portion),
                    .item("Königsberger Klopse", "Meatballs in caper sauce, potatoes", 1390),
                    .item("Buletten", "Berlin meatballs, mustard, potato salad", 1090),
                    .item("Käsespätzle", "Allgäu cheese, fried onions", 1190, .portion),
                    .item("Kartoffelsuppe", "Potato soup with Wiener sausage", 690),
                ]),
            .optional(
                "Sides",
                [
                    .item("Pommes", "Crispy fries", 350, .portion),
                    .item("Kartoffelsalat", "Potato salad, Berlin style", 390),
                    .item("Bratkartoffeln", "Fried potatoes, bacon, onions", 450),
                    .item("Gurkensalat", "Cucumber salad, dill", 350),
                ]),
            .drinks([
                .item("Fassbrause", "Alcohol-free apple and malt soda", 350),
                .item("Malzbier", "Malt beer, alcohol-free", 320),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Rote Grütze", "Red berry compote, vanilla sauce", 450),
                    .item("Apfelstrudel", "Warm, with vanilla sauce", 490),
                    .item("Pfannkuchen", "Berlin jam doughnut", 250),
                ]),
        ])

    static let bakery = MenuTemplate(
        cuisine: "Bakery & Café", prepMinutes: 10,
        groups: [
            .size: .one("Size", [("Small", 0), ("Regular", 50), ("Large", 100)]),
            .milk: .one("Milk", [("Whole milk", 0), ("Oat milk", 50), ("Soy milk", 50), ("Lactose-free", 30)]),
            .extras: .upTo(3, "Add-ons", [("Poached egg", 150), ("Smoked salmon", 250), ("Feta", 120), ("Avocado", 200)]),
        ],
        sections: [
            .section(
                "Breakfast",
                [
                    .item("Croissant", "All-butter, baked this morning", 250),
                    .item("Franzbrötchen", "Cinnamon pastry", 290),
                    .item("Schrippe with butter and jam", "Classic Berlin roll", 350),
                    .item("Avocado toast", "Sourdough, avocado, chili, lime", 790, .extras),
                    .item("Bircher muesli", "Oats, apple, yoghurt, berries", 650),
                    .item("Breakfast plate", "Rolls, cheese, ham, egg, jam", 1290, .extras),
                ]),
            .section(
                "Cakes & pastries",
                [
                    .item("Käsekuchen", "German cheesecake", 420),
                    .item("Bienenstich", "Bee sting cake, almonds, custard", 420),
                    .item("Apfelstrudel", "With vanilla sauce", 450),
                    .item("Zimtschnecke", "Cardamom cinnamon bun", 320),
                    .item("Streuselkuchen", "Crumble cake with plums", 350),
                    .item("Berliner", "Jam doughnut", 190),
                ]),
            .optional(
                "Sandwiches & soup",
                [
                    .item("Caprese ciabatta", "Tomato, mozzarella, pesto", 690),
                    .item("Pastrami sandwich", "Rye, mustard, pickles", 890),
                    .item("Quiche Lorraine", "Bacon, leek, gruyère", 590),
                    .item("Tomato soup", "With sourdough bread", 550),
                ]),
            .section(
                "Coffee & drinks",
                [
                    .item("Cappuccino", "Double shot", 350, .size, .milk),
                    .item("Flat white", "Double ristretto", 380, .milk),
                    .item("Latte macchiato", "Layered, double shot", 390, .size, .milk),
                    .item("Chai latte", "Spiced black tea, steamed milk", 400, .size, .milk),
                    .item("Hot chocolate", "Dark Belgian chocolate", 380, .milk),
                    .item("Fresh orange juice", "Squeezed to order, 0.3 l", 450),
                ]),
        ])

    static let georgian = MenuTemplate(
        cuisine: "Georgian", prepMinutes: 25,
        groups: [
            .size: .one("Size", [("Small", 0), ("Medium", 200), ("Large", 400)]),
            .choice: .one("Filling", [("Beef and pork", 0), ("Mushroom", 0), ("Cheese and herbs", 0)]),
            .extras: .upTo(2, "Extras", [("Extra egg yolk", 100), ("Extra sulguni cheese", 200), ("Butter", 50)]),
        ],
        sections: [
            .section(
                "Starters",
                [
                    .item("Pkhali trio", "Spinach, beetroot and leek walnut pâtés", 790),
                    .item("Badrijani nigvzit", "Aubergine rolls with walnut paste", 750),
                    .item("Lobio", "Slow-cooked red beans, coriander, mchadi corn bread", 690),
                    .item("Georgian salad", "Tomatoes, cucumber, walnut dressing", 790),
                ]),
            .section(
                "Khachapuri & khinkali",
                [
                    .item("Adjaruli khachapuri", "Cheese boat, egg yolk, butter", 1290, .size, .extras),
                    .item("Imeruli khachapuri", "Round cheese-filled bread", 1090, .size),
                    .item("Megruli khachapuri", "Cheese inside and on top", 1290, .size),
                    .item("Khinkali (5)", "Juicy dumplings, black pepper", 1050, .choice),
                    .item("Khinkali (10)", "For sharing", 1890, .choice),
                ]),
            .section(
                "Mains",
                [
                    .item("Chkmeruli", "Chicken in garlic-cream sauce", 1590),
                    .item("Mtsvadi", "Pork skewers from the grill, pomegranate", 1690),
                    .item("Chakapuli", "Lamb stewed with tarragon and plums", 1590),
                    .item("Ojakhuri", "Pork and potatoes, family style", 1490),
                ]),
            .drinks([
                .item("Lagidze tarragon", "Georgian tarragon lemonade", 390),
                .item("Borjomi", "Mineral water, 0.5 l", 350),
            ]),
            .optional(
                "Desserts",
                [
                    .item("Churchkhela", "Walnuts in grape must", 450),
                    .item("Pelamushi", "Grape pudding, walnuts", 490),
                    .item("Honey cake", "Medovik", 490),
                ]),
        ])
}
