/// One line of the demo city's restaurant table: what a person would write down about a place.
struct DemoListing: Sendable {
    let name: String
    let cuisine: Cuisine
    let neighbourhood: String
    let address: String
    let lat: Double
    let lon: Double
    let hours: DemoHours
    let description: String

    init(
        _ name: String, _ cuisine: Cuisine, _ neighbourhood: String, _ address: String, _ lat: Double, _ lon: Double,
        _ hours: DemoHours, _ description: String
    ) {
        self.name = name
        self.cuisine = cuisine
        self.neighbourhood = neighbourhood
        self.address = address
        self.lat = lat
        self.lon = lon
        self.hours = hours
        self.description = description
    }
}
