/// Whether the Swift runtime has given `object` a side table. It does so at the object's first
/// weak reference and keeps it for the object's life; from then on every retain and release of
/// the object takes the runtime's slow path. The object's reference count word (after its
/// metadata pointer) then holds the side table's address marked by its two top bits (the
/// runtime's `RefCountBitsT` on 64-bit platforms: `UseSlowRC`, bit 63, and `SideTableMark`,
/// bit 62). Tests that use it check `sideTableProbeWorks()` first, so that a
/// runtime with another layout fails them instead of passing them.
public func hasSideTable(_ object: AnyObject) -> Bool {
    let header = Unmanaged.passUnretained(object).toOpaque()
    let word = header.load(fromByteOffset: MemoryLayout<UnsafeRawPointer>.size, as: UInt64.self)
    return word >> 62 == 0b11
}

/// Whether `hasSideTable` tells an object without a weak reference from one with: tests that rely
/// on the probe check this first.
public func sideTableProbeWorks() -> Bool {
    final class Object {}
    let object = Object()
    let before = hasSideTable(object)
    weak let reference = object
    defer { _ = reference }
    return !before && hasSideTable(object)
}
