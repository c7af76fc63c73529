import Foundation

/// Why a lifecycle step is refused: the invoice is not in a state that allows it (409 at the API), or a value is
/// invalid (422).
public struct LifecycleError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case wrongState
        case invalid(field: String)
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Invoice numbers: `<prefix>-<year>-NNNN`, gapless per owner and year. The store finds the year's highest sequence;
/// the rule for the next one and the spelling live here.
public enum InvoiceNumbering {
    /// The sequence after `last` (nil: the year's first invoice), refusing to wrap.
    public static func next(after last: Int64?) throws(LifecycleError) -> Int64 {
        let (next, overflow) = (last ?? 0).addingReportingOverflow(1)
        guard !overflow, next > 0, next <= 999_999_999 else { throw LifecycleError(.invalid(field: "number"), "The year has run out of invoice numbers.") }
        return next
    }

    public static func number(prefix: String, year: Int, sequence: Int64) -> String {
        "\(prefix)-\(year)-" + String(format: "%04lld", sequence)
    }
}

/// The lifecycle, draft → finalized → sent → paid, or void: each step a function of the invoice and what it needs
/// (the profile, a clock's `now`), so it is tested without HTTP or a store. Every step that changes the invoice bumps
/// its revision and `updatedAt`.
extension Invoice {
    /// Only drafts change freely.
    public func checkEditable() throws(LifecycleError) {
        guard self.status == .draft else { throw LifecycleError(.wrongState, "Only drafts can be edited; this invoice is \(self.status.rawValue).") }
    }

    /// The draft as finalized with `sequence` of `year`: numbered, the sender, paper and default terms frozen from the
    /// profile as of now.
    public func finalized(sequence: Int64, year: Int, profile: BusinessProfile, at now: Date) throws(LifecycleError) -> Invoice {
        guard self.status == .draft else { throw LifecycleError(.wrongState, "Only drafts can be finalized; this invoice is \(self.status.rawValue).") }
        var invoice = self
        invoice.status = .finalized
        invoice.number = InvoiceNumbering.number(prefix: profile.invoicePrefix, year: year, sequence: sequence)
        invoice.numberYear = year
        invoice.numberSequence = sequence
        invoice.from = profile.asSender
        invoice.paperSize = profile.paperSize
        if invoice.terms == nil { invoice.terms = profile.defaultTerms }
        // The search text now includes the number.
        do { try invoice.recompute() } catch { throw LifecycleError(.invalid(field: "items"), "The amounts are too large.") }
        invoice.finalizedAt = now
        invoice.touch(now)
        return invoice
    }

    /// Finalized (or sent again) → sent; an invoice with nothing left to pay is paid.
    public mutating func markSent(at now: Date) throws(LifecycleError) {
        guard self.status == .finalized || self.status == .sent else {
            throw LifecycleError(.wrongState, "Only finalized invoices can be sent; this one is \(self.status.rawValue).")
        }
        self.status = self.balance == 0 ? .paid : .sent
        self.touch(now)
    }

    /// Finalized or sent, without payments → void (numbers are never deleted, so a mistake is voided).
    public mutating func markVoid(at now: Date) throws(LifecycleError) {
        guard self.status == .finalized || self.status == .sent else {
            throw LifecycleError(.wrongState, "Only finalized or sent invoices can be voided; this one is \(self.status.rawValue).")
        }
        guard self.payments.isEmpty else { throw LifecycleError(.wrongState, "An invoice with payments cannot be voided.") }
        self.status = .void
        self.touch(now)
    }

    /// Records a payment of `amount` minor units; the one that clears the balance marks the invoice paid. A payment
    /// already recorded under `idempotencyKey` is not recorded again (false: nothing changed).
    @discardableResult
    public mutating func recordPayment(
        amount: Int64, date: CalendarDate, method: String, id: String, idempotencyKey: String?, at now: Date
    ) throws(LifecycleError) -> Bool {
        if let idempotencyKey, self.payments.contains(where: { $0.idempotencyKey == idempotencyKey }) { return false }
        guard self.status == .finalized || self.status == .sent else {
            throw LifecycleError(.wrongState, "Payments are recorded on finalized or sent invoices; this one is \(self.status.rawValue).")
        }
        guard amount > 0 else { throw LifecycleError(.invalid(field: "amount"), "amount must be positive.") }
        guard amount <= self.balance else {
            throw LifecycleError(.invalid(field: "amount"), "amount exceeds the balance of \(self.money(self.balance).formatted).")
        }
        // amount ≤ balance = total − amountPaid, so neither can overflow; checked all the same (stored values).
        let (paid, overflow) = self.amountPaid.addingReportingOverflow(amount)
        let (balance, underflow) = self.total.subtractingReportingOverflow(paid)
        guard !overflow, !underflow else { throw LifecycleError(.invalid(field: "amount"), "The amounts are too large.") }
        self.payments.append(Payment(id: id, amount: amount, date: date, method: String(method.prefix(50)), recordedAt: now, idempotencyKey: idempotencyKey))
        self.amountPaid = paid
        self.balance = balance
        if balance == 0 { self.status = .paid }
        self.touch(now)
        return true
    }

    /// A change: the next revision, as of `now`.
    public mutating func touch(_ now: Date) {
        self.revision += 1
        self.updatedAt = now
    }
}
