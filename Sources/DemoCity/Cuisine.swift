/// The cuisines of the demo city, each with its menu template.
enum Cuisine: String, Sendable, CaseIterable {
    case pizza, pasta, greek, german, bakery, georgian
    case sushi, ramen, vietnamese, thai, korean, chinese, indian, poke
    case burgers, turkish, lebanese, mexican, vegan, ethiopian

    var template: MenuTemplate {
        switch self {
        case .pizza: .pizza
        case .pasta: .pasta
        case .greek: .greek
        case .german: .german
        case .bakery: .bakery
        case .georgian: .georgian
        case .sushi: .sushi
        case .ramen: .ramen
        case .vietnamese: .vietnamese
        case .thai: .thai
        case .korean: .korean
        case .chinese: .chinese
        case .indian: .indian
        case .poke: .poke
        case .burgers: .burgers
        case .turkish: .turkish
        case .lebanese: .lebanese
        case .mexican: .mexican
        case .vegan: .vegan
        case .ethiopian: .ethiopian
        }
    }
}
