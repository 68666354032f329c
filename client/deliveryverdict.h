#pragma once

#include "protocol/backplanemode.h"

#include <QList>
#include <QString>

namespace farmchat {

class DeliveryTracker;

// How the messages sent in one backplane mode measure up to what that mode
// documents (docs/BACKPLANES.md), counted in messages. A late arrival that
// came in the end (streams replaying after Redis returns, History after a
// reconnect) is kept: nothing was lost. A message pub/sub lost while Redis
// was down is expected when the node said so (the sender's deliveryWarning):
// a counted loss; so is a pub/sub message a pane missed because its node
// was down when it was sent (at most once, no catch-up). A loss nobody counted, a duplicate, a
// reorder or a copy where none was promised never is. One judgement for the desktop app's matrix,
// the launcher's --demo and every report built on DeliveryTracker.
struct DeliveryVerdict
{
    BackplaneMode mode = BackplaneMode::Off;
    int messages = 0; // sent ones; a send the node refused is not judged
    int kept = 0; // as the mode promises (late included)
    int delivered = 0; // every promised pane got it live, in time
    int late = 0; // every promised pane got it, some late or through History
    int lostCounted = 0; // some pane never got it, and the node warned the sender
    int lostUncounted = 0; // some pane never got it, without a warning
    // pub/sub: only panes that were not connected when it was sent never got it
    int missedWhileAway = 0;
    int duplicated = 0;
    int outOfOrder = 0;
    int unexpected = 0; // reached a pane the mode did not promise
    int pending = 0; // not settled yet (or the node has not answered the sender)

    int broken() const { return lostUncounted + duplicated + outOfOrder + unexpected; }
    bool promiseKept() const { return broken() == 0; }
    // "pubsub: 3 messages · 2 delivered · 1 lost while Redis was down —
    // expected for pub/sub, counted · as promised", "streams: 5 messages ·
    // 2 delivered · 3 late, 0 lost — as promised".
    QString text() const;
};

// Judges every row of `tracker` sent in `mode`: the app's totals.
DeliveryVerdict judgeDeliveries(const DeliveryTracker &tracker, BackplaneMode mode);
// Judges exactly `rows` of `tracker` (none: an empty verdict), under `mode`'s
// promise: a phase, a demo chapter, one message.
DeliveryVerdict judgeDeliveries(
    const DeliveryTracker &tracker, BackplaneMode mode, const QList<int> &rows);

} // namespace farmchat
