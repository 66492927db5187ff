import Domain
import PortalJSON
import Testing

@Suite("JSON Merge Patch (RFC 7396)")
struct MergePatchTests {
  /// The examples of RFC 7396, appendix A.
  @Test(
    "the RFC's examples",
    arguments: [
      (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
      (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
      (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
      (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
      (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
      (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
      (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
      (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
      (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
      (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
      (#"{"a":"foo"}"#, "null", "null"),
      (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
      (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
      (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
      (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
  func rfcExamples(original: String, patch: String, result: String) throws {
    let patched = MergePatch.apply(try JSONParser.parse(patch), to: try JSONParser.parse(original))
    #expect(patched == (try JSONParser.parse(result)))
  }

  @Test("an empty patch changes nothing, and applying a patch twice is applying it once")
  func laws() throws {
    let target = try JSONParser.parse(#"{"a":{"b":[1,2]},"c":"d"}"#)
    let patch = try JSONParser.parse(#"{"a":{"b":null,"x":1},"c":"e"}"#)
    #expect(MergePatch.apply([:], to: target) == target)
    let once = MergePatch.apply(patch, to: target)
    #expect(MergePatch.apply(patch, to: once) == once)
  }
}
