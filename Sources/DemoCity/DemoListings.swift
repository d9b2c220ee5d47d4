/// The demo city's restaurants, in seeding order. The first is run by the demo staff account and
/// its number (1) names `DemoCity.firstRestaurantID`; append new places at the end so existing
/// IDs stay put. Streets are real Berlin streets; the businesses are invented.
enum DemoListings {
    static let all: [DemoListing] = mitteAndNorth + east + south + west

    private static let mitteAndNorth: [DemoListing] = [
        .init(
            "Forno Rosenthaler", .pizza, "Mitte", "Rosenthaler Straße 40, 10178 Berlin", 52.5262, 13.4019, .allDay,
            "Neapolitan sourdough pizza from the wood-fired oven, two minutes from Rosenthaler Platz."),
        .init(
            "Torstraße Burger Co.", .burgers, "Mitte", "Torstraße 122, 10119 Berlin", 52.5293, 13.3988, .allDay,
            "Smashed beef and plant-based patties on brioche, with fries cooked twice."),
        .init(
            "Kaiten Sushi Mitte", .sushi, "Mitte", "Oranienburger Straße 32, 10117 Berlin", 52.5248, 13.3955, .daily("11:30", "23:00"),
            "Nigiri, maki and sashimi cut to order, with a good vegetarian selection."),
        .init(
            "Phở Hà Nội", .vietnamese, "Mitte", "Alte Schönhauser Straße 12, 10119 Berlin", 52.5268, 13.4075, .allDay,
            "Slow-simmered beef and chicken broths, bún bowls and fresh summer rolls."),
        .init(
            "Döner Eck Brunnenstraße", .turkish, "Mitte", "Brunnenstraße 7, 10119 Berlin", 52.5318, 13.3995, .allDay,
            "Döner, dürüm and lahmacun with bread from the stone oven and three homemade sauces."),
        .init(
            "Masala Haus", .indian, "Prenzlauer Berg", "Kastanienallee 58, 10119 Berlin", 52.5345, 13.4055, .daily("11:30", "23:30"),
            "North Indian curries and tandoor dishes, dals and biryanis, spiced to order."),
        .init(
            "Baan Thai Kollwitzkiez", .thai, "Prenzlauer Berg", "Kollwitzstraße 45, 10405 Berlin", 52.5375, 13.4170,
            .closedMonday("12:00", "22:30"), "Green and red curries, pad thai and som tam as spicy as you like."),
        .init(
            "Beirut Grill", .lebanese, "Mitte", "Invalidenstraße 112, 10115 Berlin", 52.5313, 13.3855, .allDay,
            "Falafel, shawarma and mezze from a Lebanese family kitchen, any time of day."),
        .init(
            "La Taquería Weinmeister", .mexican, "Mitte", "Weinmeisterstraße 3, 10178 Berlin", 52.5258, 13.4052,
            .daily("12:00", "24:00"), "Soft corn tacos, burritos and quesadillas with salsas made every morning."),
        .init(
            "Grünzeug Vegan Kitchen", .vegan, "Prenzlauer Berg", "Oderberger Straße 21, 10435 Berlin", 52.5393, 13.4040,
            .daily("10:00", "22:00"), "Plant-based bowls, burgers and cakes; everything is 100 % vegan."),
        .init(
            "Bäckerei Sonnenkorn", .bakery, "Prenzlauer Berg", "Schönhauser Allee 142, 10437 Berlin", 52.5405, 13.4115, .bakery,
            "Sourdough loaves, Franzbrötchen and filled rolls, baked before dawn."),
        .init(
            "Seoul Kitchen Mitte", .korean, "Mitte", "Linienstraße 108, 10115 Berlin", 52.5278, 13.3968, .allDay,
            "Bibimbap, crunchy Korean fried chicken and kimchi stews."),
        .init(
            "Taverna Olympia", .greek, "Prenzlauer Berg", "Danziger Straße 64, 10435 Berlin", 52.5392, 13.4205,
            .daily("12:00", "23:30"), "Gyros, souvlaki and meze from the charcoal grill."),
        .init(
            "Pasta Fresca Auguststraße", .pasta, "Mitte", "Auguststraße 51, 10119 Berlin", 52.5271, 13.4008, .daily("11:00", "23:00"),
            "Fresh egg pasta rolled every morning and Roman classics."),
        .init(
            "Aloha Poke Friedrichstraße", .poke, "Mitte", "Friedrichstraße 135, 10117 Berlin", 52.5235, 13.3875,
            .daily("11:00", "22:00"), "Build-your-own poke bowls with salmon, tuna or marinated tofu."),
        .init(
            "Tbilisi Garden", .georgian, "Prenzlauer Berg", "Husemannstraße 9, 10435 Berlin", 52.5370, 13.4160,
            .split(lunch: ("12:00", "15:00"), dinner: ("17:30", "23:00"), closedMonday: true),
            "Khachapuri straight from the oven, juicy khinkali and walnut-rich salads."),
        .init(
            "Addis Café", .ethiopian, "Wedding", "Gerichtstraße 23, 13347 Berlin", 52.5445, 13.3705,
            .split(lunch: ("12:00", "15:00"), dinner: ("18:00", "23:00"), closedMonday: false),
            "Injera platters with spiced lentils, wats and tibs, made for sharing."),
        .init(
            "Jade Dumpling House", .chinese, "Mitte", "Karl-Liebknecht-Straße 13, 10178 Berlin", 52.5232, 13.4105, .allDay,
            "Hand-folded jiaozi, soup dumplings and Sichuan noodles."),
        .init(
            "Ramen Kaze", .ramen, "Mitte", "Chausseestraße 10, 10115 Berlin", 52.5300, 13.3830, .daily("11:30", "24:00"),
            "Tonkotsu, shoyu and miso ramen with noodles made in-house."),
        .init(
            "Wurstbude am Weinbergspark", .german, "Mitte", "Veteranenstraße 10, 10119 Berlin", 52.5325, 13.4030, .allDay,
            "Berlin currywurst, schnitzel and Buletten with proper Brandenburg potatoes."),
        .init(
            "Pizzeria Leopold", .pizza, "Wedding", "Müllerstraße 147, 13353 Berlin", 52.5470, 13.3590, .allDay,
            "Thin-crust Roman pizza, whole or by the slice, around the clock."),
        .init(
            "Sultan Grill Badstraße", .turkish, "Wedding", "Badstraße 40, 13357 Berlin", 52.5500, 13.3845, .allDay,
            "Döner, Adana kebab and pide from a family-run grill."),
        .init(
            "Saigon Street Wedding", .vietnamese, "Wedding", "Seestraße 52, 13347 Berlin", 52.5515, 13.3530,
            .daily("11:00", "22:30"), "Street-food classics from Ho Chi Minh City: bánh mì, bún and phở."),
        .init(
            "Lalibela", .ethiopian, "Wedding", "Amsterdamer Straße 14, 13347 Berlin", 52.5545, 13.3480,
            .closedMonday("17:00", "23:00"), "Ethiopian home cooking with injera baked from teff every day."),
        .init(
            "Gesundbrunnen Burger Bar", .burgers, "Wedding", "Brunnenstraße 110, 13355 Berlin", 52.5440, 13.3930,
            .lateWeekend("12:00", "23:00", weekendCloses: "02:00"), "Juicy burgers and crispy chicken, late on weekends."),
        .init(
            "Zeytouna Moabit", .lebanese, "Moabit", "Turmstraße 30, 10551 Berlin", 52.5262, 13.3420, .allDay,
            "Shawarma wraps, falafel plates and mezze from the Turmstraße grill."),
        .init(
            "Moabiter Schnitzelhaus", .german, "Moabit", "Alt-Moabit 89, 10559 Berlin", 52.5225, 13.3470,
            .closedMonday("11:30", "22:00"), "Schnitzel as big as the plate, Königsberger Klopse and potato salad."),
        .init(
            "Kimchi Moabit", .korean, "Moabit", "Beusselstraße 44, 10553 Berlin", 52.5305, 13.3290, .daily("11:30", "22:00"),
            "Korean home cooking: stews, bibimbap and banchan."),
        .init(
            "Chaiwala Moabit", .indian, "Moabit", "Stromstraße 11, 10551 Berlin", 52.5275, 13.3445, .allDay,
            "Curries, biryanis and fresh naan, with chai brewed all night."),
        .init(
            "Kiezküche Eberswalder", .german, "Prenzlauer Berg", "Eberswalder Straße 30, 10437 Berlin", 52.5410, 13.4110, .allDay,
            "Currywurst and Berlin comfort food under the elevated U2 line."),
        .init(
            "Bangkok Nights Bernauer", .thai, "Mitte", "Bernauer Straße 63, 13355 Berlin", 52.5375, 13.3990, .allDay,
            "Thai wok dishes and curries, open all night by the Mauerpark."),
        .init(
            "Pizza Nord Greifswalder", .pizza, "Prenzlauer Berg", "Greifswalder Straße 210, 10405 Berlin", 52.5330, 13.4300, .allDay,
            "Crisp Berlin-style pizza, generous toppings, day and night."),
    ]

    private static let east: [DemoListing] = [
        .init(
            "Simon-Dach Pizza", .pizza, "Friedrichshain", "Simon-Dach-Straße 20, 10245 Berlin", 52.5105, 13.4570,
            .daily("17:00", "02:00"), "Late-night pizza for the Friedrichshain crowd."),
        .init(
            "Boxi Burger", .burgers, "Friedrichshain", "Boxhagener Straße 73, 10245 Berlin", 52.5112, 13.4655, .allDay,
            "Burgers and loaded fries next to Boxhagener Platz, open 24/7."),
        .init(
            "Warschauer Sushi Bar", .sushi, "Friedrichshain", "Warschauer Straße 58, 10243 Berlin", 52.5095, 13.4490,
            .daily("12:00", "23:00"), "Creative rolls and classic nigiri near the Oberbaum Bridge."),
        .init(
            "Hanoi Kitchen", .vietnamese, "Friedrichshain", "Grünberger Straße 54, 10245 Berlin", 52.5122, 13.4530,
            .daily("11:30", "23:00"), "Northern Vietnamese cooking: bún chả, phở and fresh herbs."),
        .init(
            "Green Bowl Wühlischstraße", .vegan, "Friedrichshain", "Wühlischstraße 29, 10245 Berlin", 52.5083, 13.4625,
            .closedMonday("11:00", "21:30"), "Colourful vegan bowls, smoothies and raw cakes."),
        .init(
            "Café Karl-Marx", .bakery, "Friedrichshain", "Karl-Marx-Allee 91, 10243 Berlin", 52.5175, 13.4350, .bakery,
            "Coffee, cakes and sandwiches on the grand boulevard."),
        .init(
            "Revaler Tacos", .mexican, "Friedrichshain", "Revaler Straße 99, 10245 Berlin", 52.5075, 13.4550,
            .daily("17:00", "03:00"), "Tacos and burritos for the night, by the RAW grounds."),
        .init(
            "Frankfurter Tor Döner", .turkish, "Friedrichshain", "Frankfurter Allee 12, 10247 Berlin", 52.5155, 13.4545, .allDay,
            "Döner and dürüm at Frankfurter Tor, day and night."),
        .init(
            "Trattoria Oranienstraße", .pasta, "Kreuzberg", "Oranienstraße 170, 10999 Berlin", 52.5010, 13.4190,
            .daily("12:00", "23:30"), "Handmade pasta and antipasti in the middle of Kreuzberg."),
        .init(
            "Kotti Döner", .turkish, "Kreuzberg", "Adalbertstraße 10, 10999 Berlin", 52.5005, 13.4185, .allDay,
            "The Kottbusser Tor classic: döner with grilled vegetables and feta."),
        .init(
            "Bergmann Burger", .burgers, "Kreuzberg", "Bergmannstraße 102, 10961 Berlin", 52.4890, 13.3920,
            .daily("11:30", "23:30"), "Dry-aged beef burgers and sweet potato fries in the Bergmannkiez."),
        .init(
            "Sabai Sabai", .thai, "Kreuzberg", "Wiener Straße 15, 10999 Berlin", 52.4980, 13.4320, .daily("12:00", "23:00"),
            "Bangkok street food: pad krapao, curries and mango sticky rice."),
        .init(
            "Görli Vegan Deli", .vegan, "Kreuzberg", "Görlitzer Straße 68, 10997 Berlin", 52.4975, 13.4350,
            .daily("09:00", "22:00"), "Vegan burgers, wraps and bowls by Görlitzer Park."),
        .init(
            "Mehringdamm Currywurst", .german, "Kreuzberg", "Mehringdamm 51, 10961 Berlin", 52.4925, 13.3880,
            .daily("11:00", "05:00"), "Currywurst with or without skin, until the early hours."),
        .init(
            "Gangnam Grill", .korean, "Kreuzberg", "Skalitzer Straße 80, 10997 Berlin", 52.4995, 13.4300,
            .daily("17:00", "01:00"), "Korean fried chicken and tteokbokki for the evening."),
        .init(
            "Mezze Manteuffel", .lebanese, "Kreuzberg", "Manteuffelstraße 40, 10997 Berlin", 52.5000, 13.4275,
            .daily("11:00", "24:00"), "Mezze, wraps and grilled meats from Beirut recipes."),
        .init(
            "Kreuzberg Poke Club", .poke, "Kreuzberg", "Graefestraße 8, 10967 Berlin", 52.4925, 13.4180,
            .closedMonday("11:30", "21:30"), "Fresh poke bowls by the Landwehrkanal."),
        .init(
            "Lucky Noodle Bar", .chinese, "Kreuzberg", "Kottbusser Damm 25, 10967 Berlin", 52.4935, 13.4215,
            .daily("11:30", "23:00"), "Hand-pulled noodles and dumplings, Sichuan spice on request."),
    ]

    private static let south: [DemoListing] = [
        .init(
            "Forno Weser", .pizza, "Neukölln", "Weserstraße 180, 12045 Berlin", 52.4870, 13.4355, .daily("16:00", "01:00"),
            "Sourdough pizza in the Reuterkiez, until late."),
        .init(
            "Al-Sham Shawarma", .lebanese, "Neukölln", "Sonnenallee 45, 12045 Berlin", 52.4840, 13.4430, .allDay,
            "Syrian-Lebanese shawarma and falafel on Sonnenallee, open 24/7."),
        .init(
            "Habesha Kitchen", .ethiopian, "Neukölln", "Pannierstraße 29, 12047 Berlin", 52.4885, 13.4320,
            .closedMonday("16:00", "23:00"), "Injera, wats and Ethiopian coffee ceremony at home."),
        .init(
            "Taverna Hermes", .greek, "Neukölln", "Hermannstraße 230, 12049 Berlin", 52.4765, 13.4255, .daily("12:00", "24:00"),
            "Greek grill classics and meze near the Tempelhofer Feld."),
        .init(
            "Backstube Schillerkiez", .bakery, "Neukölln", "Schillerpromenade 31, 12049 Berlin", 52.4760, 13.4230, .bakery,
            "Neighbourhood bakery with sourdough, cakes and good coffee."),
        .init(
            "Delhi Darbar", .indian, "Neukölln", "Karl-Marx-Straße 95, 12043 Berlin", 52.4795, 13.4385, .allDay,
            "Punjabi curries and tandoori dishes, day and night."),
        .init(
            "Supra Neukölln", .georgian, "Neukölln", "Friedelstraße 54, 12047 Berlin", 52.4920, 13.4285, .daily("12:00", "23:00"),
            "A Georgian feast: khachapuri, khinkali and walnut sauces."),
        .init(
            "Ramen Yokocho", .ramen, "Neukölln", "Reuterstraße 63, 12047 Berlin", 52.4865, 13.4285, .closedMonday("12:00", "23:00"),
            "Rich ramen broths simmered for eighteen hours."),
        .init(
            "Pizzeria Akazie", .pizza, "Schöneberg", "Akazienstraße 12, 10823 Berlin", 52.4870, 13.3545, .daily("12:00", "23:00"),
            "Family pizzeria in the Akazienkiez since the nineties."),
        .init(
            "Mykonos Goltzstraße", .greek, "Schöneberg", "Goltzstraße 33, 10781 Berlin", 52.4935, 13.3520,
            .closedMonday("17:00", "24:00"), "Island cooking: grilled fish, gyros and meze."),
        .init(
            "Cantina Nollendorf", .mexican, "Schöneberg", "Maaßenstraße 7, 10777 Berlin", 52.4980, 13.3500, .daily("12:00", "23:30"),
            "Tacos, enchiladas and horchata by Nollendorfplatz."),
        .init(
            "Poke Potsdamer", .poke, "Schöneberg", "Potsdamer Straße 85, 10785 Berlin", 52.5010, 13.3640, .daily("11:00", "22:00"),
            "Poke bowls and mochi on Potsdamer Straße."),
        .init(
            "Bánh Mì Saigon", .vietnamese, "Schöneberg", "Hauptstraße 150, 10827 Berlin", 52.4860, 13.3510, .allDay,
            "Bánh mì, phở and summer rolls around the clock."),
        .init(
            "Flughafen Burger Tempelhof", .burgers, "Tempelhof", "Tempelhofer Damm 140, 12099 Berlin", 52.4690, 13.3855, .allDay,
            "Burgers by the old airport, open 24 hours."),
        .init(
            "Tandoori Nights Tempelhof", .indian, "Tempelhof", "Manfred-von-Richthofen-Straße 18, 12101 Berlin", 52.4725, 13.3830,
            .daily("11:30", "22:30"), "Tandoori grill and curries for the Tempelhof neighbourhood."),
        .init(
            "Mavi Grill", .turkish, "Tempelhof", "Alt-Tempelhof 22, 12103 Berlin", 52.4655, 13.3855, .daily("17:00", "03:00"),
            "Charcoal kebabs and döner late into the night."),
    ]

    private static let west: [DemoListing] = [
        .init(
            "Sushi Savigny", .sushi, "Charlottenburg", "Kantstraße 142, 10623 Berlin", 52.5055, 13.3200, .daily("11:30", "23:00"),
            "Elegant sushi and sashimi near Savignyplatz."),
        .init(
            "Golden Lotus Kantstraße", .chinese, "Charlottenburg", "Kantstraße 54, 10627 Berlin", 52.5065, 13.3030, .allDay,
            "Cantonese dim sum and Sichuan dishes on Berlin's Chinatown street."),
        .init(
            "Osteria Knesebeck", .pasta, "Charlottenburg", "Knesebeckstraße 92, 10623 Berlin", 52.5060, 13.3230,
            .closedMonday("12:00", "23:00"), "Trattoria cooking with fresh pasta and seasonal antipasti."),
        .init(
            "Anatolia Grill", .turkish, "Charlottenburg", "Wilmersdorfer Straße 73, 10629 Berlin", 52.5075, 13.3060, .allDay,
            "Anatolian grill, döner and pide, open 24/7."),
        .init(
            "Konditorei Bleibtreu", .bakery, "Charlottenburg", "Bleibtreustraße 45, 10623 Berlin", 52.5035, 13.3205, .bakery,
            "Traditional Konditorei: cakes, strudel and breakfast."),
        .init(
            "Siam Orchid", .thai, "Charlottenburg", "Pestalozzistraße 30, 10627 Berlin", 52.5090, 13.3110, .daily("11:30", "22:30"),
            "Royal Thai cooking with fragrant curries."),
        .init(
            "Kantine Kant", .vegan, "Charlottenburg", "Kantstraße 12, 10623 Berlin", 52.5058, 13.3270, .daily("10:00", "21:00"),
            "Vegan lunch bowls and burgers near Zoologischer Garten."),
        .init(
            "Dae Bak Charlottenburg", .korean, "Charlottenburg", "Kaiser-Friedrich-Straße 24, 10585 Berlin", 52.5105, 13.3015,
            .closedMonday("12:00", "22:00"), "Korean barbecue flavours and fried chicken."),
    ]
}
