internal import PortalJSON

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

/// The `portal-rpc` command: parses the command line, prepares the data directory, and serves
/// stdin/stdout. Returns the process exit status.
public enum PortalCommand {
  public static let usageErrorStatus: Int32 = 2
  public static let unusableDataStatus: Int32 = 3

  public static func main(arguments: [String], environment: (String) -> String?) -> Int32 {
    let options: CommandLineOptions
    do {
      options = try CommandLineOptions.parse(Array(arguments.dropFirst()))
    } catch {
      printError("\(error.message). Run 'portal-rpc --help' for usage.")
      return usageErrorStatus
    }
    switch options.action {
    case .help:
      printOut(CommandLineOptions.helpText + "\n")
      return 0
    case .version:
      printOut(
        "\(LifecycleMethods.serverName) \(LifecycleMethods.serverVersion) (protocol \(LifecycleMethods.protocolVersion))\n"
      )
      return 0
    case .printOpenRPC:
      printOut(JSONWriter.prettyPrinted(PortalInterface().openRPCDocument))
      return 0
    case .serve:
      break
    }
    var configuration = ServerConfiguration(
      demo: options.demo, logLevel: options.logLevel, maxMessageBytes: options.maxMessageBytes,
      durability: options.durability, fixedClock: options.fixedClock)
    if !options.inMemory {
      do {
        let path = try DataDirectory.resolve(
          explicit: options.dataDirectory, environment: environment)
        configuration.dataDirectory = try DataDirectory.prepare(path)
      } catch {
        printError(error.message)
        return unusableDataStatus
      }
    }
    let session: Session
    do {
      session = try Session.open(configuration: configuration)
    } catch {
      printError(
        "cannot use the store in \(configuration.dataDirectory ?? "memory"): \(error); pass --data-dir with another directory, or --in-memory"
      )
      return unusableDataStatus
    }
    let interface = PortalInterface()
    let server = Server(session: session, table: interface.table)
    session.log.debug("serving \(interface.table.names.count) methods")
    StdioTransport(server: server).run()
    return 0
  }

  private static func printOut(_ text: String) { writeAll(1, text) }
  private static func printError(_ text: String) { writeAll(2, "portal-rpc: " + text + "\n") }

  private static func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        offset += written
      }
    }
  }
}
