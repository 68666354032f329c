#pragma once

#include "tests/support/testfarm.h"

#include <QElapsedTimer>
#include <QString>
#include <QTimer>

namespace farmchat::test {

// Bookkeeping shared by the fault tests: what every seat of a TestFarm got,
// compared with what the nodes accepted, as the figures the report prints.
struct Tally
{
    qint64 lost = 0; // (seat, accepted message) pairs never received
    // Deliveries beyond the first, summed over seats: the repeats the node
    // sent (which the client dropped by id) and any the client showed.
    qint64 duplicated = 0;
    qint64 orderMismatches = 0; // seats whose room order differs from seat 0's
    // Seen somewhere but not everywhere, among messages whose Send got no
    // answer (e.g. the node died first): their fate is unknown to the sender,
    // but in streams mode a message in the stream must reach every seat.
    qint64 partial = 0;

    QString summary() const;
};

// Counts lost and duplicated receipts of `accepted` (all seats expect all),
// and with checkOrder the seats whose order in `room` differs from seat 0's.
Tally tally(TestFarm &farm, const QSet<QString> &accepted, bool checkOrder,
    const QString &room = ChatClient::kLobby);

// Polls every node's /health until redisConnected is `connected` on all of
// them; returns the ms that took, or -1 after timeoutMs.
qint64 waitForRedisConnected(TestFarm &farm, bool connected, int timeoutMs);

// Sends "<prefix><k>" from every seat in turn, one per seat every
// `intervalMs`, until `total` were issued (or stop()).
class Pump
{
public:
    Pump(TestFarm &farm, int total, int intervalMs, const QString &prefix = QStringLiteral("f"));
    int issued() const { return m_issued; }
    bool done() const { return m_issued >= m_total; }
    void stop() { m_timer.stop(); }

private:
    TestFarm &m_farm;
    int m_total;
    QString m_prefix;
    int m_issued = 0;
    QTimer m_timer;
};

// Client deliveries missed by the first seat of `node` among what the other
// nodes accepted (pub/sub: every seat of a node misses the same, since the
// node is what missed them); every seat's count is appended to perSeat when given.
qint64 missedByNode(TestFarm &farm, int node, QList<qint64> *perSeat = nullptr);

// Every node: its seats missed exactly what its gap counter says (QVERIFY
// inside: call it from a test function); the sum goes to *totalMissed.
void checkGapsAreExact(TestFarm &farm, qint64 *totalMissed);

// Largest VmHWM over the farm's nodes, in MiB (-1 where /proc is missing).
double peakNodeRssMiB(TestFarm &farm);

} // namespace farmchat::test
