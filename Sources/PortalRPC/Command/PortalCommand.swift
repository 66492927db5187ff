internal import DataSync
internal import Domain
internal import PortalJSON
internal import Storage

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

  /// Runs the command line `arguments` (the program name first). `environment` looks a variable
  /// up; `environmentNames` lists every variable set, so that a misspelt `PORTAL_*` one is
  /// refused rather than ignored.
  public static func main(
    arguments: [String], environment: (String) -> String?, environmentNames: [String] = []
  ) -> Int32 {
    if arguments.count > 1, arguments[1] == "users" {
      if arguments.contains("--help") || arguments.contains("-h") {
        printOut(UsersCommand.usage + "\n")
        return 0
      }
      do {
        var users = try UsersCommand.parse(Array(arguments.dropFirst(2)))
        // The data directory the server would serve, and its key's source: the config file's or
        // the environment's, unless given here.
        if users.dataDirectory == nil || users.key == nil {
          let configured = try Configuration.resolve(
            arguments: [], environment: environment, environmentNames: environmentNames,
            checksProfile: false
          ).options
          users.dataDirectory = users.dataDirectory ?? configured.dataDirectory
          users.key = users.key ?? configured.key
        }
        return UsersCommand.run(users, environment: environment, clock: .system)
      } catch {
        printError("\(error.message). Run 'portal-rpc users --help' for usage.")
        return usageErrorStatus
      }
    }
    let resolved: Configuration
    do {
      resolved = try Configuration.resolve(
        arguments: Array(arguments.dropFirst()), environment: environment,
        environmentNames: environmentNames)
    } catch {
      printError("\(error.message). Run 'portal-rpc --help' for usage.")
      return usageErrorStatus
    }
    let options = resolved.options
    var key: StoreKey?
    var newKey: StoreKey?
    let readsKey = ![.help, .version, .printOpenRPC, .showConfiguration].contains(options.action)
    if readsKey, options.key != nil || options.newKey != nil {
      do {
        key = try options.key.map { source throws(StoreKeyReader.Failure) in
          try StoreKeyReader.read(source)
        }
        newKey = try options.newKey.map { source throws(StoreKeyReader.Failure) in
          try StoreKeyReader.read(source, isNew: true)
        }
      } catch {
        printError(error.message)
        return unusableDataStatus
      }
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
    case .check:
      return check(options, key: key, environment: environment)
    case .showConfiguration:
      printOut(ConfigCommand.render(resolved, environment: environment))
      return 0
    case .backup, .restore, .export, .encrypt, .rekey:
      return maintain(options, key: key, newKey: newKey, environment: environment)
    case .serve:
      break
    }
    var configuration = ServerConfiguration(
      demo: options.demo, logLevel: options.logLevel, maxMessageBytes: options.maxMessageBytes,
      durability: options.durability, fixedClock: options.fixedClock)
    configuration.timeZone = options.timeZone
    configuration.clockStart = options.clockStart
    configuration.busyTimeoutMilliseconds = options.busyTimeoutMilliseconds
    configuration.maxStorePages = options.maxStorePages
    configuration.authMode = options.authMode
    configuration.sessionLimits.idleMilliseconds = options.idleTimeoutMilliseconds
    configuration.clockFile = options.clockFile
    configuration.storeKey = key
    configuration.metrics = options.metrics
    configuration.slowRequestMilliseconds = options.slowRequestMilliseconds
    configuration.cacheMegabytes = options.cacheMegabytes
    if !options.inMemory {
      do {
        let path = try DataDirectory.resolve(
          explicit: options.dataDirectory, environment: environment)
        configuration.dataDirectory = try DataDirectory.prepare(path)
      } catch {
        printError(error.message)
        return unusableDataStatus
      }
      do {
        configuration.replica = try options.replica.configuration(
          directory: configuration.dataDirectory!)
      } catch {
        printError("\(error.message). Run 'portal-rpc --help' for usage.")
        return usageErrorStatus
      }
    }
    let session: Session
    do {
      session = try Session.open(configuration: configuration)
    } catch {
      printError(storeFailure(error, in: configuration.dataDirectory))
      return unusableDataStatus
    }
    // A replica's store served without its upstream would take writes that never reach
    // PostgreSQL and that a later pull could overwrite.
    if configuration.replica == nil, session.dataSync.isReplicaStore {
      printError(
        "the data directory is a replica of a clinic's upstream; serve it with --upstream URL (or PORTAL_UPSTREAM, or upstream in the config file)"
      )
      return unusableDataStatus
    }
    if let replicaConfiguration = configuration.replica, let directory = configuration.dataDirectory
    {
      do {
        if let joined = try ReplicaJoin.atStart(
          session.dataSync, configuration: replicaConfiguration, log: session.log)
        {
          session.log.info("\(name: joined)")
        }
        try session.attachReplica(replicaConfiguration, directory: directory)
      } catch {
        printError("cannot serve as a replica: \(error)")
        return unusableDataStatus
      }
    }
    let interface = PortalInterface()
    let server = Server(session: session, table: interface.table)
    session.log.debug("serving \(interface.table.names.count) methods")
    session.replica?.start()
    StdioTransport(server: server).run()
    session.finishAudit()
    session.replica?.stop()
    return 0
  }

  /// `--check`: opens the store without changing it and reports on it.
  private static func check(
    _ options: CommandLineOptions, key: StoreKey?, environment: (String) -> String?
  ) -> Int32 {
    let path: String
    do {
      path = try DataDirectory.resolve(explicit: options.dataDirectory, environment: environment)
    } catch {
      printError(error.message)
      return unusableDataStatus
    }
    var report: StoreCheck
    var upstreamLines: [String] = []
    do {
      let store = try Store(inspecting: path, key: key)
      let today = Clock.clinic(
        fixed: options.fixedClock, start: options.clockStart, timeZone: options.timeZone
      ).today()
      report = try StoreCheck.run(store, today: today)
      switch try store.verifyAuditChain(against: AuditHeadFile.read(path)) {
      case .success(let chain):
        upstreamLines.append(
          chain.count == 0
            ? "audit log: empty"
            : "audit log: \(chain.count) events, hash chain intact through event \(chain.head?.seq ?? 0)"
        )
      case .failure(let broken):
        report.problems.append(
          "audit log: \(broken.reason); the first broken link is event \(broken.seq)")
      }
      if options.replica.upstream != nil {
        do {
          let configuration = try options.replica.configuration(directory: path)
          if let configuration {
            let compared = UpstreamCheck.run(store, configuration: configuration)
            upstreamLines += compared.lines
            report.problems += compared.problems
          }
        } catch {
          printError("\(error.message). Run 'portal-rpc --help' for usage.")
          return usageErrorStatus
        }
      }
    } catch let error as StorageError where error.isBadFile {
      // The store is there but is not a sound PortalRPC store: that is what --check finds.
      printError(storeFailure(error, in: path))
      return 1
    } catch let error as StorageError where error.isKeyProblem {
      printError(storeFailure(error, in: path))
      return unusableDataStatus
    } catch {
      printError("cannot check the store: \(error)")
      return unusableDataStatus
    }
    var lines = ["portal-rpc check of \(path)/\(Store.fileName)"]
    lines.append(
      "schema version \(report.schemaVersion), SQLite \(Store.sqliteVersion), last change \(report.lastSequence)"
    )
    if !report.counts.isEmpty {
      lines.append(report.counts.map { "\($0.table) \($0.rows)" }.joined(separator: ", "))
    }
    lines += upstreamLines
    lines += report.problems.map { "problem: " + $0 }
    lines.append(
      report.isSound
        ? "sound: no problems found"
        : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found")
    printOut(lines.joined(separator: "\n") + "\n")
    return report.isSound ? 0 : 1
  }

  /// The one line saying why the store in `directory` cannot be used, and what to do about it.
  private static func storeFailure(_ error: any Error, in directory: String?) -> String {
    if let directory, let error = error as? StorageError, error.isKeyProblem {
      // Each key problem is one whole sentence with its remedy.
      return error.description(naming: directory + "/" + Store.fileName)
    }
    guard let directory, let error = error as? StorageError, error.isBadFile else {
      return
        "cannot use the store in \(directory ?? "memory"): \(error); pass --data-dir with another directory, or --in-memory"
    }
    let remedy =
      error == .damaged ? "restore it from a backup" : "move it away"
    return error.description(naming: directory + "/" + Store.fileName)
      + "; \(remedy) or choose another --data-dir"
  }

  /// `backup`, `restore` and `export`: one line on stdout when done (on stderr for `export`,
  /// whose stdout is the data), or one line on stderr and the status the error maps to.
  private static func maintain(
    _ options: CommandLineOptions, key: StoreKey?, newKey: StoreKey?,
    environment: (String) -> String?
  ) -> Int32 {
    let clock = Clock.clinic(
      fixed: options.fixedClock, start: options.clockStart, timeZone: options.timeZone)
    let now = clock.now()
    let timeout = options.busyTimeoutMilliseconds
    do throws(MaintenanceError) {
      let directory: String
      do {
        directory = try DataDirectory.resolve(
          explicit: options.dataDirectory, environment: environment)
      } catch {
        throw .directory(error.message)
      }
      switch options.action {
      case .backup(let destination):
        printOut(
          try BackupCommand.run(
            directory: directory, destination: destination, force: options.force, key: key,
            busyTimeout: timeout, today: clock.date(of: now)) + "\n")
      case .restore(let source):
        let prepared: String
        do {
          prepared = try DataDirectory.prepare(directory)
        } catch {
          throw .directory(error.message)
        }
        printOut(
          try RestoreCommand.run(
            directory: prepared, source: source, key: key, busyTimeout: timeout, now: now)
            + "\n")
      case .export:
        printError(
          try ExportCommand.run(
            directory: directory, output: options.outputFile, force: options.force, key: key,
            busyTimeout: timeout, progress: printError))
      case .encrypt, .rekey:
        printOut(
          try EncryptCommand.run(
            directory: directory, key: options.action == .rekey ? key : nil,
            newKey: (options.action == .rekey ? newKey : key)!, today: clock.date(of: now))
            + "\n")
      default:
        preconditionFailure(
          "main hands only backup, restore, export, encrypt and rekey to maintain")
      }
      return 0
    } catch {
      printError(error.message)
      return error.status
    }
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
