import Core

/// The demo couriers: the demo courier near Rosenthaler Platz, then 24 couriers spread two to a
/// neighbourhood, each a few hundred metres (deterministically) from the neighbourhood's centre.
enum DemoCouriers {
    static func build() -> [DemoCourier] {
        let demo = DemoCity.demoAccounts[2]
        return [DemoCourier(email: demo.email, name: demo.name, start: GeoPoint(uncheckedLat: 52.5271, lon: 13.4046))]
            + names.enumerated().map { offset, name in
                let number = offset + 1
                let hub = hubs[offset % hubs.count]
                let key = "tiffin-demo/courier/\(number)"
                // Up to about ±330 m north–south and ±340 m east–west.
                let dLat = Double(DeterministicID.pick("\(key)/lat", below: 61) - 30) / 10_000
                let dLon = Double(DeterministicID.pick("\(key)/lon", below: 101) - 50) / 10_000
                return DemoCourier(
                    email: "courier-\(DemoRestaurants.twoDigits(number))@tiffin.demo", name: name,
                    start: GeoPoint(uncheckedLat: hub.lat + dLat, lon: hub.lon + dLon))
            }
    }

    private static let hubs: [(name: String, lat: Double, lon: Double)] = [
        ("Hackescher Markt", 52.5225, 13.4020),
        ("Helmholtzplatz", 52.5445, 13.4180),
        ("Leopoldplatz", 52.5465, 13.3595),
        ("Turmstraße", 52.5260, 13.3420),
        ("Boxhagener Platz", 52.5105, 13.4600),
        ("Kottbusser Tor", 52.4990, 13.4180),
        ("Bergmannkiez", 52.4895, 13.3930),
        ("Reuterkiez", 52.4880, 13.4290),
        ("Rathaus Neukölln", 52.4810, 13.4350),
        ("Savignyplatz", 52.5055, 13.3220),
        ("Winterfeldtplatz", 52.4960, 13.3530),
        ("Tempelhof", 52.4700, 13.3850),
    ]

    private static let names: [String] = [
        "Lena Hoffmann", "Mehmet Yılmaz", "Jonas Becker", "Aylin Demir", "Tomasz Nowak", "Sofia Rossi",
        "Karim Haddad", "Mia Schulz", "Lukas Wagner", "Lan Nguyen", "Emre Kaya", "Hannah Fischer",
        "Diego Fernández", "Amara Okafor", "Felix Richter", "Yuki Tanaka", "Leonie Braun", "Omar Khalil",
        "Paul Zimmermann", "Ana Kovačević", "Elias Neumann", "Priya Sharma", "Max Krüger", "Zeynep Arslan",
    ]
}
