import Core

/// A min-heap of timed events, ties broken by insertion order, so a run with the same inputs
/// pops the same events in the same order (no dictionary order, no wall clock).
struct EventHeap<Event> {
    private struct Entry {
        var at: Instant
        var order: UInt64
        var event: Event
        func before(_ o: Entry) -> Bool { at != o.at ? at < o.at : order < o.order }
    }

    private var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var nextTime: Instant? { entries.first?.at }

    mutating func push(_ event: Event, at: Instant) {
        entries.append(Entry(at: at, order: nextOrder, event: event))
        nextOrder += 1
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard entries[i].before(entries[parent]) else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (at: Instant, event: Event)? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < entries.count, entries[l].before(entries[m]) { m = l }
            if r < entries.count, entries[r].before(entries[m]) { m = r }
            guard m != i else { break }
            entries.swapAt(i, m)
            i = m
        }
        return (top.at, top.event)
    }
}
