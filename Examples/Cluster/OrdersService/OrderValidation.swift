/// The checks an order request passes before it is priced. Each refusal names the field, never its
/// value: the values are personal data or secrets.
enum OrderValidation {
    /// Most of one product in one order.
    static let maxQuantity = 1_000

    /// Checks every field of `request`.
    static func validate(_ request: OrderRequest) throws {
        guard isPlausibleEmail(request.customerEmail) else {
            throw OrderError(.invalidArgument, "customer_email is not an email address")
        }
        guard isValidCardNumber(request.cardNumber) else {
            throw OrderError(.invalidArgument, "card_number is not a valid card number")
        }
        guard !request.sku.isEmpty, request.sku.utf8.count <= 64 else {
            throw OrderError(.invalidArgument, "sku is empty or too long")
        }
        guard (1...maxQuantity).contains(request.quantity) else {
            throw OrderError(.invalidArgument, "quantity must be between 1 and \(maxQuantity)")
        }
    }

    /// One `@` with text on both sides, a dot in the domain, no white space, at most 254 bytes: enough
    /// to catch typing mistakes; whether the address exists only sending to it tells.
    static func isPlausibleEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254, !email.contains(where: \.isWhitespace) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }

    /// Whether `cardNumber` has 12 to 19 digits (spaces and dashes allowed between them) and its Luhn
    /// check digit is right.
    static func isValidCardNumber(_ cardNumber: String) -> Bool {
        var digits: [Int] = []
        for character in cardNumber {
            if character == " " || character == "-" { continue }
            guard let value = character.wholeNumberValue, character.isASCII else { return false }
            digits.append(value)
        }
        guard (12...19).contains(digits.count) else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            let value = digit * (offset.isMultiple(of: 2) ? 1 : 2)
            sum += value > 9 ? value - 9 : value
        }
        return sum.isMultiple(of: 10)
    }
}
