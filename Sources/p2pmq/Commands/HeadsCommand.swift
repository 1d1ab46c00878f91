import ArgumentParser
import Store

struct HeadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heads",
        abstract: "Show the highest accepted seq per topic and DON, and each topic's log length.")

    @OptionGroup var store: DataDirOptions
    @OptionGroup var format: FormatOptions
    @Option(help: "Only this topic.") var topic: String?

    func run() throws {
        let store = try StoreAccess.openReadOnly(self.store.dataDir)
        defer { store.close() }
        let topics = try topic.map { [try store.requireTopic($0)] } ?? store.topics().sorted { $0.name < $1.name }
        let heads = try store.heads(topic: topic)
        var table = Table(["topic", "don", "head_seq", "head_offset", "log_length", "first_offset"])
        for info in topics {
            let own = heads.filter { $0.topic == info.name }.sorted { $0.don < $1.don }
            if own.isEmpty {
                table.add([.text(info.name), .text("-"), .text("-"), .text("-"), .number(info.nextOffset), .number(info.firstOffset)])
            }
            for h in own {
                table.add([.text(info.name), .text(h.don), .number(h.seq), .number(h.offset), .number(info.nextOffset), .number(info.firstOffset)])
            }
        }
        print(table.render(format.format), terminator: "")
        if topics.isEmpty, format.format == .table { note("the log has no topics yet") }
    }
}
