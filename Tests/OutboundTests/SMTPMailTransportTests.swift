import Foundation
import Logging
import Testing
import TiffinTestSupport

@testable import Outbound

@Suite("SMTP mail transport against aiosmtpd")
struct SMTPMailTransportTests {
    let logger = Logger(label: "OutboundTests.SMTP")

    static let body = """
        Hello Ünïcode 🍛, your order is ready.
        .
        ..two dots
        trailing space\u{20}
        =equals= and tabs\tinside
        \(String(repeating: "long line ", count: 30))end
        last line without newline
        """

    func message(subject: String = "Ihre Bestellung: Dal Makhani & Naan — bereit 🍛 (Nr. 4711, Küche Süd)") -> MailMessage {
        MailMessage(
            from: "tiffin@example.org", fromName: "Tiffin Küche", to: "hungry@example.com", subject: subject, body: Self.body,
            messageID: "<\(UUID().uuidString)@tiffin>")
    }

    @Test("delivers over plain SMTP: non-ASCII subject and name, a line that is just '.', long lines")
    func deliversPlainMail() async throws {
        try await SMTPTestServer.with(mode: "plain") { server in
            let mail = message()
            let transport = SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .none), logger: logger)
            try await transport.send(mail)

            let received = try server.received()
            try #require(received.count == 1)
            let got = received[0]
            #expect(got.mailFrom == "tiffin@example.org")
            #expect(got.rcptTos == ["hungry@example.com"])
            #expect(got.subject == mail.subject)
            #expect(got.fromName == "Tiffin Küche")
            #expect(got.fromAddress == "tiffin@example.org")
            #expect(got.to == "hungry@example.com")
            #expect(got.messageID == mail.messageID)
            #expect(got.contentType == "text/plain")
            #expect(got.charset == "utf-8")
            #expect(got.body == Self.body + "\n")
            #expect(got.body.split(separator: "\n", omittingEmptySubsequences: false).contains("."))
            #expect(!got.date.isEmpty)
            #expect(!got.tls)
            // On the wire: only ASCII, CRLF-terminated lines no longer than 78 characters.
            for line in got.raw.split(separator: "\r\n", omittingEmptySubsequences: false) {
                #expect(line.utf8.count <= 78 && line.unicodeScalars.allSatisfy(\.isASCII), "line: \(line)")
            }
        }
    }

    @Test("STARTTLS (required) with AUTH against a self-signed server, trusted through trustRootsFile")
    func deliversOverStartTLS() async throws {
        try await withTemporaryDirectory { directory in
            let certificate = try await makeSelfSignedCertificate(in: directory)
            try await SMTPTestServer.with(mode: "starttls", certificate: certificate) { server in
                let settings = SMTPSettings(
                    host: "localhost", port: server.port, username: "tiffin", password: "s3cret", security: .startTLSRequired,
                    trustRootsFile: certificate.certificate)
                try await SMTPMailTransport(settings: settings, logger: logger).send(message(subject: "Plain ASCII subject"))

                let received = try server.received()
                try #require(received.count == 1)
                #expect(received[0].tls)
                #expect(received[0].authenticatedAs == "tiffin")
                #expect(received[0].subject == "Plain ASCII subject")
                #expect(received[0].body == Self.body + "\n")
            }
        }
    }

    @Test("implicit TLS to an IP address (certificate checked against the IP)")
    func deliversOverImplicitTLS() async throws {
        try await withTemporaryDirectory { directory in
            let certificate = try await makeSelfSignedCertificate(in: directory)
            try await SMTPTestServer.with(mode: "smtps", certificate: certificate) { server in
                let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .implicitTLS, trustRootsFile: certificate.certificate)
                try await SMTPMailTransport(settings: settings, logger: logger).send(message())
                let received = try server.received()
                try #require(received.count == 1)
                #expect(received[0].tls)
            }
        }
    }

    @Test("an untrusted certificate is a transient failure and nothing is delivered")
    func refusesUntrustedCertificate() async throws {
        try await withTemporaryDirectory { directory in
            let certificate = try await makeSelfSignedCertificate(in: directory)
            try await SMTPTestServer.with(mode: "smtps", certificate: certificate) { server in
                let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .implicitTLS)
                let error = await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: settings, logger: logger).send(message()) }
                #expect(error?.isTransient == true)
                let received = try server.received()
                #expect(received.isEmpty)
            }
        }
    }

    @Test("550 to RCPT is permanent, 451 is transient")
    func recipientRefusals() async throws {
        for (mode, permanent) in [("refuse", true), ("tempfail", false)] {
            try await SMTPTestServer.with(mode: mode) { server in
                let transport = SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .none), logger: logger)
                let error = await #expect(throws: MailError.self) { try await transport.send(message()) }
                #expect(error?.isTransient == !permanent, "\(mode): \(String(describing: error))")
                #expect(error.map { "\($0)" }?.contains(permanent ? "550" : "451") == true)
            }
        }
    }

    @Test("STARTTLS required but not offered, or credentials without TLS: refused before anything is sent, retried once fixed")
    func tlsPolicy() async throws {
        try await SMTPTestServer.with(mode: "plain") { server in
            let required = SMTPSettings(host: "127.0.0.1", port: server.port, security: .startTLSRequired)
            let error = await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: required, logger: logger).send(message()) }
            #expect(error?.isTransient == true, "a setting to fix, not a bad message")

            let credentials = SMTPSettings(host: "127.0.0.1", port: server.port, username: "tiffin", password: "s3cret")
            let clear = await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: credentials, logger: logger).send(message()) }
            #expect(clear?.isTransient == true)
            // `none` means no TLS, not "send the password anyway".
            var none = credentials
            none.security = .none
            await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: none, logger: logger).send(message()) }
            let received = try server.received()
            #expect(received.isEmpty)
        }
    }

    @Test("a reply injected in clear after STARTTLS's 220 is refused (STARTTLS command injection)")
    func refusesInjectionAfterStartTLS() async throws {
        try await SMTPTestServer.with(mode: "inject") { server in
            let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .startTLSRequired)
            let error = await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: settings, logger: logger).send(message()) }
            #expect(error.map { "\($0)" }?.contains("in clear after its STARTTLS reply") == true, "\(String(describing: error))")
        }
    }

    @Test("falls back to HELO when EHLO is refused, and reads a multi-line greeting")
    func heloFallback() async throws {
        try await SMTPTestServer.with(mode: "helo-only") { server in
            let transport = SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port), logger: logger)
            try await transport.send(message(subject: "HELO"))
            let raw = try String(contentsOf: server.directory.appendingPathComponent("scripted.eml"), encoding: .utf8)
            #expect(raw.contains("\r\nSubject: HELO\r\n"))
            #expect(raw.contains("\r\n.\r\n..two dots\r\n"))  // un-stuffed by the server: the body's own lines
        }
    }

    @Test("a server that never speaks times out as transient")
    func timesOut() async throws {
        try await TestHTTPServer.with(status: nil) { silent in
            let settings = SMTPSettings(host: "127.0.0.1", port: silent.port, security: .none, timeout: .milliseconds(300))
            let error = await #expect(throws: MailError.self) { try await SMTPMailTransport(settings: settings, logger: logger).send(message()) }
            #expect(error == .transient("timed out after 0.3 seconds delivering to 127.0.0.1:\(silent.port)"))
        }
    }

    @Test("a closed port is transient")
    func closedPort() async throws {
        try await withClosedPort { port in
            let transport = SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .none), logger: logger)
            let error = await #expect(throws: MailError.self) { try await transport.send(message()) }
            #expect(error?.isTransient == true)
        }
    }

    @Test(
        "header injection and malformed addresses are refused before connecting",
        arguments: [
            MailMessage(from: "a@example.org", to: "b@example.org", subject: "hi\r\nBcc: victim@example.org", body: "", messageID: "<1@t>"),
            MailMessage(from: "a@example.org", fromName: "x\nBcc: v@e.org", to: "b@example.org", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "a@example.org", to: "b@example.org\r\nRCPT TO:<c@e.org>", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "a b@example.org", to: "b@example.org", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "a@example.org", to: "<b@example.org>", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "a@example.org", to: "b@@example.org", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "nobody", to: "b@example.org", subject: "", body: "", messageID: "<1@t>"),
            MailMessage(from: "a@example.org", to: "bö@example.org", subject: "", body: "", messageID: "<1@t>"),
        ])
    func rejectsBadMessages(_ bad: MailMessage) async throws {
        // A closed port: had the transport connected, the error would be transient.
        try await withClosedPort { port in
            let transport = SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .none), logger: logger)
            let error = await #expect(throws: MailError.self) { try await transport.send(bad) }
            #expect(error?.isTransient == false, "\(String(describing: error))")
        }
    }

    @Test("quoted-printable keeps lines within 76 characters, never splits an escape, and escapes '=' and trailing spaces")
    func quotedPrintable() {
        let lines = MailMessage.quotedPrintable(String(repeating: "é", count: 100))
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(lines.map { $0.hasSuffix("=") ? String($0.dropLast()) : $0 }.joined() == String(repeating: "=C3=A9", count: 100))
        #expect(MailMessage.quotedPrintable("end = \n\n") == ["end =3D=20", ""])
        #expect(MailMessage.quotedPrintable("a\r\nb\rc") == ["a", "b", "c"])
    }
}

extension MailError {
    var isTransient: Bool {
        if case .transient = self { return true }
        return false
    }
}
