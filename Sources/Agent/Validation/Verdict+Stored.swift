import Wire
import Core
import Gossip
import Store

extension GossipsubRouter.Verdict {
    /// The verdict as the log stores it, with the reason a REJECT carries (nil otherwise).
    var stored: (verdict: Verdict, rejectReason: String?) {
        switch self {
        case .accept: (.accept, nil)
        case .ignore: (.ignore, nil)
        case .reject(let why): (.reject, why)
        }
    }
}
