import Domain
import Foundation
import PortalJSON
import TestSupport
import Testing

/// Laws checked over many seeded random inputs (a failure names its seed and case; rerun with
/// `PORTAL_PROPERTY_SEED=<seed>`; `PORTAL_PROPERTY_CASES` asks for more cases).
@Suite("Properties")
struct PropertyTests {
  static let cases = environmentCount("PORTAL_PROPERTY_CASES", fallback: 2000)
  static let seed = SeededGenerator(environment: "PORTAL_PROPERTY_SEED", fallback: 7396).seed

  // MARK: Merge patch (RFC 7396)

  @Test("merge patch: {} changes nothing, a patch is idempotent, untouched members stay")
  func mergePatchLaws() {
    var random = SeededGenerator(seed: Self.seed)
    for index in 0..<Self.cases {
      let target = RandomJSON.object(depth: 0, using: &random)
      let patch = RandomJSON.object(depth: 0, using: &random, nulls: true)
      let once = MergePatch.apply(patch, to: target)
      let context = "seed \(Self.seed), case \(index)"
      #expect(MergePatch.apply(JSONObject(), to: target) == target, "\(context): {} changed")
      #expect(MergePatch.apply(patch, to: once) == once, "\(context): not idempotent")
      for member in target where !patch.contains(member.key) {
        #expect(once[member.key] == member.value, "\(context): an untouched member changed")
      }
      for member in patch {
        switch member.value {
        case .null: #expect(!once.contains(member.key), "\(context): null did not remove")
        case .object: #expect(once[member.key]?.objectValue != nil, "\(context): object not merged")
        default: #expect(once[member.key] == member.value, "\(context): value not replaced")
        }
      }
      #expect(!Self.containsNull(.object(once)), "\(context): a null was stored")
    }
  }

  @Test("merge patch: a patch that is not an object replaces the whole target")
  func mergePatchReplaces() {
    var random = SeededGenerator(seed: Self.seed &+ 1)
    for _ in 0..<Self.cases {
      let target = JSONValue.object(RandomJSON.object(depth: 0, using: &random))
      let patch = RandomJSON.scalarOrArray(using: &random)
      #expect(MergePatch.apply(patch, to: target) == patch)
    }
  }

  static func containsNull(_ value: JSONValue) -> Bool {
    switch value {
    case .null: true
    case .array(let items): items.contains(where: containsNull)
    case .object(let object): object.contains { containsNull($0.value) }
    default: false
    }
  }

  // MARK: Money

  @Test("money: every amount survives its own text, and sums are exact in cents")
  func moneyArithmetic() throws {
    var random = SeededGenerator(seed: Self.seed &+ 2)
    for index in 0..<Self.cases {
      let a = Money(cents: Int64.random(in: -Money.limitCents...Money.limitCents, using: &random))
      let b = Money(cents: Int64.random(in: -1_000_000...1_000_000, using: &random))
      let context = "seed \(Self.seed), case \(index)"
      let text = try #require(JSONNumber(a.description))
      #expect(try Money.parse(text).get() == a, "\(context): \(a.cents) cents did not round-trip")
      #expect((a + b) - b == a, "\(context)")
      #expect(-(-a) == a, "\(context)")
      #expect((a + b < a) == (b.cents < 0), "\(context)")
      #expect(
        !a.description.contains("e")
          && (a.description.split(separator: ".").dropFirst().first?.count ?? 0) <= 2)
      // The same amount spelt another way is the same amount.
      let cents = a.cents.magnitude
      let sign = a.cents < 0 ? "-" : ""
      for spelling in [
        "\(sign)\(cents)e-2", "\(sign)\(cents)0e-3",
        "\(sign)\(cents / 100).\(String(format: "%02d", Int(cents % 100)))0",
      ] {
        let number = try #require(JSONNumber(spelling), "\(context): \(spelling)")
        #expect(try Money.parse(number).get() == a, "\(context): \(spelling)")
      }
    }
  }

  @Test("money: more than two decimals or beyond the limit is refused, never rounded")
  func moneyRefusals() throws {
    var random = SeededGenerator(seed: Self.seed &+ 3)
    for _ in 0..<Self.cases {
      let cents = Int64.random(in: 0...99_999, using: &random)
      let thirdDecimal = Int.random(in: 1...9, using: &random)
      let text = "\(cents / 100).\(String(format: "%02d", Int(cents % 100)))\(thirdDecimal)"
      #expect(Money.parse(try #require(JSONNumber(text))) == .failure(.tooManyDecimals), "\(text)")
    }
    let limit = try #require(JSONNumber(Money(cents: Money.limitCents).description))
    #expect(try Money.parse(limit).get().cents == Money.limitCents)
    let beyond = try #require(JSONNumber(Money(cents: Money.limitCents + 1).description))
    #expect(Money.parse(beyond) == .failure(.outOfRange))
    #expect(Money.parse(try #require(JSONNumber("1e400"))) == .failure(.outOfRange))
    #expect(Money.parse(try #require(JSONNumber("-1e400"))) == .failure(.outOfRange))
  }

  // MARK: Patient ids

  @Test("patient ids: 7 and \"7\" are one id; generated ids map back to their ordinal only")
  func patientIDCanonicalisation() {
    var random = SeededGenerator(seed: Self.seed &+ 4)
    for _ in 0..<Self.cases {
      let n =
        Int64.random(in: Int64.min...Int64.max, using: &random)
        >> Int64.random(in: 0...62, using: &random)
      #expect(
        PatientID.canonical(.number(JSONNumber(n))) == PatientID.canonical(.string(String(n))))
      guard n > 0 else { continue }
      let generated = PatientID.generated(ordinal: n)
      #expect(PatientID.ordinal(of: generated) == n, "\(generated)")
      #expect(PatientID.ordinal(of: "P0" + generated.dropFirst()) == nil, "a padded \(generated)")
      #expect(PatientID.ordinal(of: "p" + generated.dropFirst()) == nil)
      #expect(PatientID.canonical(.string(generated)) == generated)
    }
    #expect(PatientID.canonical(.string("")) == nil)
    #expect(PatientID.canonical(.number(JSONNumber("1.5")!)) == nil)
    #expect(PatientID.canonical(.number(JSONNumber("1e30")!)) == nil)
    #expect(PatientID.canonical(.bool(true)) == nil)
    #expect(PatientID.ordinal(of: "P000") == nil)
    #expect(PatientID.ordinal(of: "P-01") == nil)
  }
}

/// Random JSON for the laws above: small objects with keys from a short list, so that patches and
/// targets overlap.
enum RandomJSON {
  static let keys = ["a", "b", "c", "name", "meta", "list", "é", ""]

  static func object(depth: Int, using random: inout SeededGenerator, nulls: Bool = false)
    -> JSONObject
  {
    var object = JSONObject()
    for _ in 0..<Int.random(in: 0...4, using: &random) {
      object[keys.randomElement(using: &random)!] = value(
        depth: depth + 1, using: &random, nulls: nulls)
    }
    return object
  }

  static func value(depth: Int, using random: inout SeededGenerator, nulls: Bool) -> JSONValue {
    let choice = Int.random(in: 0..<(depth > 2 ? 4 : 6), using: &random)
    switch choice {
    case 0 where nulls: return .null
    case 4: return .object(object(depth: depth, using: &random, nulls: nulls))
    case 5: return scalarOrArray(using: &random)
    default: return scalar(using: &random)
    }
  }

  static func scalar(using random: inout SeededGenerator) -> JSONValue {
    switch Int.random(in: 0..<3, using: &random) {
    case 0: .bool(Bool.random(using: &random))
    case 1: .number(JSONNumber(Int64.random(in: -1000...1000, using: &random)))
    default: .string(keys.randomElement(using: &random)!)
    }
  }

  static func scalarOrArray(using random: inout SeededGenerator) -> JSONValue {
    Bool.random(using: &random)
      ? scalar(using: &random)
      : .array((0..<Int.random(in: 0...3, using: &random)).map { _ in scalar(using: &random) })
  }
}
