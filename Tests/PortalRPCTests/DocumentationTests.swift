import Foundation
import PortalRPC
import Testing

@Suite("The README says what the code does")
struct DocumentationTests {
  private let readme =
    (try? String(
      contentsOf: PortalProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8))
    ?? ""

  @Test("every method is named in the README")
  func methods() {
    for name in PortalInterface().table.names {
      #expect(readme.contains("`\(name)`"), "README.md does not mention \(name)")
    }
  }

  @Test("every error code is in the README's table")
  func errors() {
    for code in ErrorCode.all {
      #expect(readme.contains("| \(code.rawValue) |"), "missing \(code.rawValue)")
    }
  }

  @Test("every flag of --help is in the README")
  func flags() {
    let flags = CommandLineOptions.helpText.split(whereSeparator: \.isWhitespace)
      .filter { $0.hasPrefix("--") }
      .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[],|:")) }
    #expect(!flags.isEmpty)
    for flag in Set(flags) { #expect(readme.contains(flag), "README.md does not mention \(flag)") }
  }
}
