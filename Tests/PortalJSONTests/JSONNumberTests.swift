import PortalJSON
import Testing

@Suite("Exact numbers")
struct JSONNumberTests {
  private func number(_ text: String) -> JSONNumber { JSONNumber(text)! }

  @Test("equality and order are by exact value")
  func order() {
    #expect(number("7") == number("7.0"))
    #expect(number("7") == number("0.7e1"))
    #expect(number("0.1") != number("0.10000000000000001"))
    #expect(number("0.1") < number("0.10000000000000001"))
    #expect(number("-2") < number("-1.5"))
    #expect(number("-0") == number("0"))
    #expect(number("1e400") > number("9223372036854775807"))
    #expect(number("100") > number("99.999"))
    #expect(Set([number("7"), number("7.0"), number("70e-1")]).count == 1)
  }

  @Test("scaling to cents is exact or refused")
  func scaling() {
    #expect(number("250.75").decimal.scaledInt64(decimals: 2) == 25075)
    #expect(number("40.00").decimal.scaledInt64(decimals: 2) == 4000)
    #expect(number("0.3").decimal.scaledInt64(decimals: 2) == 30)
    #expect(number("1e2").decimal.scaledInt64(decimals: 2) == 10000)
    #expect(number("-0.05").decimal.scaledInt64(decimals: 2) == -5)
    #expect(number("0.001").decimal.scaledInt64(decimals: 2) == nil)
    #expect(number("1e30").decimal.scaledInt64(decimals: 2) == nil)
  }

  @Test("exponents too large for 64 bits saturate instead of overflowing")
  func hugeExponents() {
    // Reading each of these exponents once trapped on overflow, which took the whole server down
    // for a request id like `1e10000000000000000000`.
    for text in ["1e10000000000000000000", "1e9999999999999999999", "2E+99999999999999999999999"] {
      #expect(number(text).int64Value == nil)
      #expect(number(text) > number("1e400"))
      #expect(number("-" + text) < number("-1e400"))
    }
    #expect(number("1e-10000000000000000000") > number("0"))
    #expect(number("1e-10000000000000000000") < number("1e-400"))
    #expect(number("1e-10000000000000000000").decimal.scaledInt64(decimals: 2) == nil)
  }

  @Test("only JSON grammar is accepted")
  func grammar() {
    #expect(JSONNumber("1.5e3") != nil)
    #expect(JSONNumber("1.5e") == nil)
    #expect(JSONNumber(" 1") == nil)
    #expect(JSONNumber("") == nil)
  }
}
