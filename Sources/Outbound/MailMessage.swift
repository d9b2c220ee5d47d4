import Foundation

/// One plain-text e-mail to a single recipient.
///
/// The message is validated before anything is sent (see ``MailTransport/send(_:)``): addresses must look like
/// `local@domain` (ASCII, no spaces, `<`, `>`), and no header field may contain CR or LF.
public struct MailMessage: Sendable, Equatable {
    /// Bare sender address, e.g. `tiffin@example.org`.
    public var from: String
    /// Optional display name of the sender; non-ASCII names are sent RFC 2047-encoded.
    public var fromName: String?
    /// Bare recipient address.
    public var to: String
    /// Subject line; non-ASCII subjects are sent RFC 2047-encoded.
    public var subject: String
    /// Plain-text UTF-8 body. Any characters are allowed, including lines that are just `.`;
    /// line endings (`\n`, `\r\n` or `\r`) are sent as CRLF.
    public var body: String
    /// Message-ID header, e.g. `<uuid@tiffin>` (angle brackets are added when missing). Reuse it when retrying,
    /// so a receiver can recognise a duplicate.
    public var messageID: String

    public init(from: String, fromName: String? = nil, to: String, subject: String, body: String, messageID: String) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
    }
}

/// Something that delivers mail. Implementations throw ``MailError``.
public protocol MailTransport: Sendable {
    /// Delivers `message`, returning once the receiving server has accepted it.
    /// - Throws: ``MailError/transient(_:)`` when a retry may succeed, ``MailError/permanent(_:)`` when it will not.
    func send(_ message: MailMessage) async throws
}

/// Why a mail was not delivered, split by whether retrying may help.
public enum MailError: Error, Equatable, CustomStringConvertible {
    /// Connection refused or reset, timeout, TLS failure, 4xx reply, and a server not offering the
    /// STARTTLS the settings require (it may have been stripped on the way): worth retrying later.
    case transient(String)
    /// 5xx reply (e.g. 550 mailbox unknown), invalid address or header: retrying won't help.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let reason): "transient mail failure: \(reason)"
        case .permanent(let reason): "permanent mail failure: \(reason)"
        }
    }
}

/// How to reach an SMTP submission server.
public struct SMTPSettings: Sendable {
    /// Transport security of the connection.
    public enum Security: String, Sendable, CaseIterable {
        /// Upgrade with STARTTLS when the server offers it, otherwise continue in clear (but never send credentials in clear).
        case startTLSWhenOffered = "starttls"
        /// Upgrade with STARTTLS; fail with ``MailError/transient(_:)`` when the server does not offer it.
        case startTLSRequired = "starttls-required"
        /// TLS from the first byte (SMTPS, usually port 465).
        case implicitTLS = "tls"
        /// Never use TLS: only for a trusted local relay. Credentials are not sent unless
        /// ``SMTPSettings/allowPlaintextAuth`` says so.
        case none = "none"
    }

    public var host: String
    public var port: Int
    /// When set, the transport authenticates with AUTH PLAIN (or LOGIN); `password` nil means empty.
    public var username: String?
    public var password: String?
    public var security: Security = .startTLSWhenOffered
    /// PEM file of CA certificates trusted in addition to the system roots (e.g. a self-signed test server); nil = system roots only.
    public var trustRootsFile: String?
    /// Send credentials over a connection that is not encrypted (off: a username without TLS is
    /// refused before anything is sent).
    public var allowPlaintextAuth = false
    /// Name sent with EHLO/HELO.
    public var heloName: String = "tiffin.local"
    /// Limit for the whole delivery: connecting, TLS and the SMTP conversation.
    public var timeout: Duration = .seconds(15)

    public init(
        host: String, port: Int, username: String? = nil, password: String? = nil, security: Security = .startTLSWhenOffered,
        trustRootsFile: String? = nil, allowPlaintextAuth: Bool = false, heloName: String = "tiffin.local", timeout: Duration = .seconds(15)
    ) {
        self.allowPlaintextAuth = allowPlaintextAuth
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.security = security
        self.trustRootsFile = trustRootsFile
        self.heloName = heloName
        self.timeout = timeout
    }
}

// MARK: - Validation and RFC 5322 rendering

extension MailMessage {
    /// Throws ``MailError/permanent(_:)`` unless the message can be sent without header injection or address confusion.
    func validate() throws(MailError) {
        for (field, value) in [("from", from), ("to", to), ("subject", subject), ("fromName", fromName ?? ""), ("messageID", messageID)]
        where value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            throw .permanent("\(field) contains a line break")
        }
        for (field, address) in [("from", from), ("to", to)] where !Self.isPlausibleAddress(address) {
            throw .permanent("\(field) address '\(address)' is not a plain ASCII local@domain address")
        }
        let idScalars = messageID.unicodeScalars
        guard !idScalars.isEmpty, idScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .permanent("messageID must be non-empty printable ASCII without spaces")
        }
    }

    /// `local@domain`, printable ASCII, exactly one `@`, none of the characters that would change an SMTP command or header.
    static func isPlausibleAddress(_ address: String) -> Bool {
        let forbidden = Set("<>()[],;:\\\"@ ".unicodeScalars)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, !domain.isEmpty,
            local.utf8.count <= 64, domain.utf8.count <= 253, !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..")
        else { return false }
        return (local + domain).unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !forbidden.contains($0) }
    }

    /// The message as sent after DATA: ASCII-only headers, a quoted-printable body, CRLF line endings, ending with CRLF.
    /// Not dot-stuffed (the transport does that).
    func rendered(date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let sender: String
        if let name = fromName, !name.isEmpty {
            let phrase =
                Self.needsEncoding(name)
                ? Self.encodedWords(name)
                : "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            let lastLineLength = phrase.components(separatedBy: "\r\n").last?.utf8.count ?? 0
            sender = phrase + (lastLineLength + from.utf8.count + 9 > 78 ? "\r\n <\(from)>" : " <\(from)>")
        } else {
            sender = from
        }
        let headers = [
            "Date: \(formatter.string(from: date))",
            "From: \(sender)",
            "To: \(to)",
            "Subject: \(Self.needsEncoding(subject) ? Self.encodedWords(subject) : subject)",
            "Message-ID: \(messageID.hasPrefix("<") ? messageID : "<\(messageID)>")",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        return (headers + [""] + Self.quotedPrintable(body)).joined(separator: "\r\n") + "\r\n"
    }

    /// Text that cannot go into a header as-is: non-printable or non-ASCII, looks like an encoded word, or is very long.
    static func needsEncoding(_ text: String) -> Bool {
        text.utf8.count > 900 || text.contains("=?") || !text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    }

    /// RFC 2047 `=?UTF-8?B?...?=` words of at most 42 bytes of UTF-8 each (never splitting a character), folded with CRLF SP,
    /// so that header lines stay within 78 characters.
    static func encodedWords(_ text: String) -> String {
        var chunks: [[UInt8]] = [[]]
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if let last = chunks.last, last.count + bytes.count > 42 { chunks.append([]) }
            chunks[chunks.count - 1] += bytes
        }
        return chunks.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// RFC 2045 quoted-printable lines for `text` (hard line breaks kept, soft breaks keep each line within 76 characters).
    static func quotedPrintable(_ text: String) -> [String] {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = normalised.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        return lines.flatMap { line -> [String] in
            let bytes = Array(line.utf8)
            var output: [String] = []
            var current = ""
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token = literal ? String(UnicodeScalar(byte)) : "=" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                if current.count + token.count > 75 {
                    output.append(current + "=")
                    current = ""
                }
                current += token
            }
            output.append(current)
            return output
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
