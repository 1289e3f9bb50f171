import FCrDNS

/// What the policy service does with a verdict.
enum PolicyMode: String, Sendable, CaseIterable {
    /// fail and permerror → REJECT 5.7.25, temperror → DEFER_IF_PERMIT 4.7.25, pass → header.
    case enforce
    /// temperror → DEFER_IF_PERMIT 4.7.25, pass → header, fail and permerror → DUNNO.
    case deferOnly = "defer-only"
    /// Every verdict → header; never rejects or defers.
    case headerOnly = "header-only"
}

/// One answer to Postfix: an access(5) action.
enum PolicyAction: Sendable, Hashable {
    /// `REJECT 5.7.25 text`: Postfix replies `$access_map_reject_code 5.7.25 text`.
    case reject(enhancedCode: String, text: String)
    /// `DEFER_IF_PERMIT 4.7.25 text`: a 4xx reply unless a later restriction rejects.
    case deferIfPermit(enhancedCode: String, text: String)
    /// `PREPEND Authentication-Results: value`.
    case prependAuthenticationResults(String)
    /// `DUNNO`: no opinion; Postfix goes on with the next restriction.
    case dunno

    /// The text after `action=`.
    var line: String {
        switch self {
        case .reject(let code, let text): "REJECT \(code) \(text)"
        case .deferIfPermit(let code, let text): "DEFER_IF_PERMIT \(code) \(text)"
        case .prependAuthenticationResults(let value): "PREPEND Authentication-Results: \(value)"
        case .dunno: "DUNNO"
        }
    }

    /// The action's first word, for the log.
    var word: String {
        switch self {
        case .reject: "REJECT"
        case .deferIfPermit: "DEFER_IF_PERMIT"
        case .prependAuthenticationResults: "PREPEND"
        case .dunno: "DUNNO"
        }
    }

    /// The action `mode` takes on `result`.
    ///
    /// - Parameters:
    ///   - authservID: the authserv-id of the header (RFC 8601 §2.5).
    ///   - headerAlreadyAdded: the header was already prepended for this
    ///     message (an earlier RCPT of the same `instance`): then a pass, or
    ///     any verdict in header-only mode, answers DUNNO, so a message with
    ///     several recipients gets one header.
    static func decide(_ result: FCrDNSResult, mode: PolicyMode, authservID: String,
                       headerAlreadyAdded: Bool) -> PolicyAction {
        let header: PolicyAction =
            headerAlreadyAdded ? .dunno : .prependAuthenticationResults("\(authservID); \(result.authenticationResults)")
        guard let reply = result.smtpReply else { return header }  // pass
        switch (mode, result.result) {
        case (.headerOnly, _):
            return header
        case (.enforce, .fail), (.enforce, .permerror):
            return .reject(enhancedCode: reply.enhancedCode, text: reply.text)
        case (.enforce, .temperror), (.deferOnly, .temperror):
            return .deferIfPermit(enhancedCode: reply.enhancedCode, text: reply.text)
        default:
            return .dunno
        }
    }
}
