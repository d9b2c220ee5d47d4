/// Card-number checks shared by the API edge and the sandbox provider.
public enum PaymentCard {
    /// Digits only, spaces and dashes removed.
    public static func normalize(_ number: String) -> String {
        number.filter { $0 != " " && $0 != "-" }
    }

    /// 12–19 digits passing the Luhn check.
    public static func isValid(_ number: String) -> Bool {
        let digits = normalize(number)
        guard (12...19).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return false }
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            var digit = Int(String(character))!
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    public static func last4(_ number: String) -> String {
        String(normalize(number).suffix(4))
    }
}
