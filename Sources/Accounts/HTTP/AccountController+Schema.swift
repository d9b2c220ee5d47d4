import Core

extension AccountController.SignUpRequest: SchemaConstrained {
    static let schemaConstraints = AccountRules.schemaConstraints
}

extension AccountController.OperatorRequest: SchemaConstrained {
    static let schemaConstraints = AccountRules.schemaConstraints
}

extension AccountRules {
    /// The limits `validate(email:password:name:)` enforces, for the API document.
    static let schemaConstraints: [String: SchemaConstraint] = [
        "email": SchemaConstraint(maxLength: emailMaximumLength, format: "email"),
        "password": SchemaConstraint(
            minLength: passwordLength.lowerBound, maxLength: passwordLength.upperBound,
            description: "At least \(passwordLength.lowerBound) characters, at most \(passwordLength.upperBound) bytes"),
        "name": .length(nameLength),
    ]
}
