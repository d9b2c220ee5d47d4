import Accounts
import Core
import Foundation
import Testing
import TiffinTestSupport
import HTTPTypes
import HummingbirdTesting


/// The live connection's door and wire, as an attacker meets them: refusals are problems, a
/// connection lives no longer than the sign-in that opened it, and frames RFC 6455 forbids close
/// the connection with the code it names.
@Suite("Live connections: sign-ins and the wire")
struct LiveSessionTests {
    static func problem(_ socket: RawWebSocket) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(socket.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test func aRefusedUpgradeIsAProblemNamingWhatIsMissing() async throws {
        try await withApp(.sqlite, mode: .live) { api, _ in
            let port = try #require(api.client.port)
            let anonymous = try await RawWebSocket(port: port, headers: [:])
            #expect(anonymous.status == 401)
            #expect(anonymous.response.lowercased().contains("content-type: application/problem+json"))
            #expect(anonymous.response.lowercased().contains("www-authenticate: bearer"))
            #expect(Self.problem(anonymous)["type"] as? String == "https://tiffin.dev/problems/unauthorized")
            #expect(Self.problem(anonymous)["field"] as? String == "Sec-WebSocket-Protocol")
            #expect(try await anonymous.peerClosed(), "the connection closes after the refusal")

            let forged = try await RawWebSocket(port: port, headers: ["Sec-WebSocket-Protocol": "tiffin.v1, ticket.tkt_forged"])
            #expect(forged.status == 401 && Self.problem(forged)["type"] as? String == "https://tiffin.dev/problems/invalid-ticket")
            let badToken = try await RawWebSocket(port: port, headers: ["Authorization": "Bearer tfn_nobody"])
            #expect(badToken.status == 401 && Self.problem(badToken)["field"] as? String == "Authorization")
            let elsewhere = try await RawWebSocket(port: port, path: "/v1/elsewhere", headers: [:])
            #expect(elsewhere.status == 404 && Self.problem(elsewhere)["type"] as? String == "https://tiffin.dev/problems/not-found")

            // A good token still upgrades, and the first frame is the welcome.
            let (token, _) = try await api.signUp(.customer)
            let good = try await RawWebSocket(port: port, headers: ["Authorization": "Bearer \(token)"])
            #expect(good.status == 101)
            #expect(try await good.nextFrame()?.text?.contains(#""type":"welcome""#) == true)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aTicketDiesWithTheTokenThatAskedForIt(kind: TestDatabaseKind) async throws {
        try await withApp(kind, mode: .live) { api, _ in
            let port = try #require(api.client.port)
            let (token, _) = try await api.signUp(.customer)
            let ticket = try #require(try await api.call(.post, "/v1/realtime/tickets", token: token).string("ticket"))
            #expect(try await api.call(.post, "/v1/auth/logout", token: token).status == .noContent)
            let late = try await RawWebSocket(port: port, headers: ["Sec-WebSocket-Protocol": "tiffin.v1, ticket.\(ticket)"])
            #expect(late.status == 401, "the ticket's token was logged out: \(late.response)")
            #expect(Self.problem(late)["type"] as? String == "https://tiffin.dev/problems/invalid-ticket")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func loggingOutClosesThatTokensConnectionsWith1008AndNoOthers(kind: TestDatabaseKind) async throws {
        try await withApp(kind, mode: .live) { api, _ in
            let port = try #require(api.client.port)
            let email = "\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let (first, _) = try await api.signUp(.customer, email: email)
            let second = try #require(
                try await api.call(.post, "/v1/auth/login", json: #"{"email":"\#(email)","password":"correct horse"}"#).string("token"))
            let ticket = try #require(try await api.call(.post, "/v1/realtime/tickets", token: first).string("ticket"))
            let byTicket = try await RawWebSocket(port: port, headers: ["Sec-WebSocket-Protocol": "tiffin.v1, ticket.\(ticket)"])
            let byToken = try await RawWebSocket(port: port, headers: ["Authorization": "Bearer \(first)"])
            let otherSignIn = try await RawWebSocket(port: port, headers: ["Authorization": "Bearer \(second)"])
            for socket in [byTicket, byToken, otherSignIn] {
                #expect(socket.status == 101)
                #expect(try await socket.nextFrame()?.text?.contains("welcome") == true)
            }

            #expect(try await api.call(.post, "/v1/auth/logout", token: first).status == .noContent)
            for socket in [byTicket, byToken] {
                let close = try await socket.closeFrame(seconds: 1)
                #expect(close?.closeCode == 1008, "closed within a second, as a policy violation")
                #expect(close.map { String(decoding: $0.payload.dropFirst(2), as: UTF8.self) } == "signed out")
            }
            // The same user's other sign-in keeps its connection, and it still answers.
            try otherSignIn.sendText(#"{"type":"subscribe","topic":"city"}"#)
            let answer = try #require(try await otherSignIn.nextFrame())
            #expect(answer.text?.contains(#""code":"forbidden""#) == true, "still open: \(answer)")
        }
    }

    @Test func framesTheProtocolForbidsCloseTheConnectionWithTheirCode() async throws {
        try await withApp(.sqlite, mode: .live) { api, _ in
            let port = try #require(api.client.port)
            let (token, _) = try await api.signUp(.customer)
            func open() async throws -> RawWebSocket {
                let socket = try await RawWebSocket(port: port, headers: ["Authorization": "Bearer \(token)"])
                #expect(socket.status == 101)
                #expect(try await socket.nextFrame()?.text?.contains("welcome") == true)
                return socket
            }
            let unmasked = try await open()
            try unmasked.sendFrame(Array(#"{"type":"subscribe","topic":"city"}"#.utf8), masked: false)
            #expect(try await unmasked.closeFrame()?.closeCode == 1002, "an unmasked client frame is a protocol error")
            #expect(try await unmasked.peerClosed())

            let notUTF8 = try await open()
            try notUTF8.sendFrame([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D])  // {"\xC3(\"}: a broken two-byte sequence
            #expect(try await notUTF8.closeFrame()?.closeCode == 1007, "text that is not UTF-8 is refused, not decoded lossily")

            // A masked frame of good text after a long one split across writes is read as usual.
            let fine = try await open()
            try fine.sendText(#"{"type":"subscribe","topic":"city","pad":"\#(String(repeating: "x", count: 300))"}"#)
            #expect(try await fine.nextFrame()?.text?.contains(#""code":"forbidden""#) == true)
            try fine.sendFrame(opcode: 0x2, [1, 2, 3])
            let binary = try #require(try await fine.nextFrame())
            #expect(binary.text?.contains(#""code":"bad-request""#) == true, "the socket's codes are the API's problem types: \(binary)")
        }
    }
}
