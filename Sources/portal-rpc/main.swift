import PortalRPC

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The names of every variable in the environment (a misspelt `PORTAL_*` one is refused).
var environmentNames: [String] = []
var entry = environ
while let pointer = entry.pointee {
  environmentNames.append(String(String(cString: pointer).prefix { $0 != "=" }))
  entry += 1
}

let status = PortalCommand.main(
  arguments: CommandLine.arguments,
  environment: { name in getenv(name).map { String(cString: $0) } },
  environmentNames: environmentNames)
exit(status)
