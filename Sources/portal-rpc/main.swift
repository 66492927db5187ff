import PortalRPC

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let status = PortalCommand.main(arguments: CommandLine.arguments) { name in
  getenv(name).map { String(cString: $0) }
}
exit(status)
