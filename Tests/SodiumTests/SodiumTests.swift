import Sodium
import Testing

@Suite struct SodiumTests {
  @Test func passwordHashVerifiesOnlyItsPassword() throws {
    let hash = try #require(PasswordHash.make(Array("correct horse".utf8)))
    #expect(hash.hasPrefix("$argon2id$"))
    #expect(!hash.contains("correct"))
    #expect(PasswordHash.verify(Array("correct horse".utf8), against: hash))
    #expect(!PasswordHash.verify(Array("correct hors".utf8), against: hash))
    #expect(!PasswordHash.verify(Array("correct horse".utf8), against: "not a hash"))
  }

  @Test func hashesOfOnePasswordDifferBySalt() throws {
    let first = try #require(PasswordHash.make(Array("pw".utf8)))
    let second = try #require(PasswordHash.make(Array("pw".utf8)))
    #expect(first != second)
  }

  @Test func sha256MatchesTheStandardVector() {
    #expect(
      SHA256.hex(Array("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.digest(parts: [Array("a".utf8), Array("bc".utf8)]) == SHA256.digest(Array("abc".utf8)))
  }

  @Test func randomBytesAreFreshEachTime() {
    #expect(SecureRandom.bytes(16).count == 16)
    #expect(SecureRandom.bytes(16) != SecureRandom.bytes(16))
  }
}
