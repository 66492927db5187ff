internal import DataSync
internal import Domain
internal import Storage

#if canImport(Glibc)
  internal import Glibc
#elseif canImport(Darwin)
  internal import Darwin
#endif

extension Session {
  /// Opens the store the configuration names (creating and migrating it as needed), fills it
  /// with the demo practice when asked and empty, and returns a session over it.
  public static func open(configuration: ServerConfiguration) throws -> Session {
    let clock = Clock.clinic(
      fixed: configuration.fixedClock, start: configuration.clockStart,
      timeZone: configuration.timeZone, file: configuration.clockFile)
    let options = configuration.storeOptions()
    let open = {
      try Store(directory: configuration.dataDirectory, options: options, now: clock.now())
    }
    let store: Store
    var readOnly = false
    if let directory = configuration.dataDirectory, !DataDirectory.isWritable(directory) {
      // A store on a read-only medium is still served: reads work, writes are refused (-32005)
      // until the directory is writable again.
      store = try Store(
        inspecting: directory, key: options.key,
        busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
      guard try store.schemaVersion() == Migrations.latestVersion else {
        throw StorageError.unusable(
          "the store is read-only and from another version of portal-rpc, so it cannot be upgraded")
      }
      readOnly = true
    } else {
      store = try open()
    }
    let dataSync = DataSync(store: store, clock: clock, origin: processToken())
    let session = Session(configuration: configuration, dataSync: dataSync)
    if readOnly {
      session.log.warn(
        "the data directory is read-only: reads are served, writes refused until it is writable")
      dataSync.reopenForWriting = { [unowned session] in
        guard dataSync.store.isWritableNow, let writable = try? open() else { return nil }
        session.log.info("the data directory is writable again: writes resume")
        writable.onWriteLock = dataSync.store.onWriteLock
        return writable
      }
    }
    session.startAuditWriter()
    if configuration.authMode == .off, session.auth.auditing {
      session.log.warn(
        "--auth off: this store has staff accounts, but nobody needs to sign in; requests are still audited, without a staff member"
      )
    }
    if configuration.demo {
      dataSync.currentMethod = "demo"
      if try DemoPractice.fill(dataSync) {
        session.log.info("filled the empty store with the demo practice")
      }
      try dataSync.commit()
      _ = dataSync.takeLoggedChanges()
    }
    return session
  }

  /// A random token naming this process in the change log (its changes' `origin`).
  static func processToken() -> String {
    var bytes = [UInt8](repeating: 0, count: 8)
    let random = Glibc.open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    let filled =
      random < 0 ? -1 : bytes.withUnsafeMutableBytes { read(random, $0.baseAddress, $0.count) }
    if random >= 0 { close(random) }
    if filled != 8 {
      var seed = UInt64(getpid()) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(Glibc.clock())
      for index in bytes.indices {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes[index] = UInt8(truncatingIfNeeded: seed >> 56)
      }
    }
    return bytes.map {
      String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
    }
    .joined()
  }
}
