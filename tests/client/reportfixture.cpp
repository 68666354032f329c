#include "reportfixture.h"

#include "protocol/chatmessage.h"

#include <QDateTime>

#include <algorithm>

namespace farmchat::testing {

ReportFarm::ReportFarm()
{
    tracker.setClock([this] { return now; });
}

int ReportFarm::send(const QString &id, const QString &phase, BackplaneMode mode,
    const QString &sender, const QString &room, qint64 at)
{
    now = kStart + at;
    const QString node = tracker.pane(tracker.columnOf(sender)).nodeId;
    const int row = tracker.recordSent(SentMessage {id, sender, room, node, mode, now});
    if (row >= 0)
        phaseOfRow.append(phase);
    return row;
}

void ReportFarm::receive(
    const QString &pane, const QString &id, const QString &room, qint64 at, bool fromHistory)
{
    ChatMessage message;
    message.id = id;
    message.room = room;
    tracker.recordReceived(pane, message, kStart + at, fromHistory);
}

void ReportFarm::settle(qint64 after)
{
    now = kStart + after;
    tracker.updateTimeouts();
}

void buildSmallRun(ReportFarm &farm)
{
    const QString lobby = QStringLiteral("lobby"), quoted = QStringLiteral("a,\"b\""),
                  hostile = QStringLiteral("<script>alert(1)</script>");
    const QString p1 = QStringLiteral("P1"), p2 = QStringLiteral("P2");
    farm.tracker.addPane(p1, QStringLiteral("node-a"), {lobby});
    farm.tracker.addPane(p2, QStringLiteral("node-b"), {lobby, quoted, hostile});

    const QString warmUp = QStringLiteral("warm-up"), down = QStringLiteral("redis-down");
    farm.send(QStringLiteral("m-off-1"), warmUp, BackplaneMode::Off, p1, lobby, 100);
    farm.receive(p1, QStringLiteral("m-off-1"), lobby, 105);
    farm.send(QStringLiteral("m-off-2"), warmUp, BackplaneMode::Off, p2, quoted, 200);
    farm.receive(p2, QStringLiteral("m-off-2"), quoted, 230);

    farm.send(QStringLiteral("m-ps-1"), down, BackplaneMode::PubSub, p1, lobby, 1000);
    farm.receive(p1, QStringLiteral("m-ps-1"), lobby, 1010);
    farm.send(QStringLiteral("m-ps-2"), down, BackplaneMode::PubSub, p1, lobby, 1100);
    farm.receive(p1, QStringLiteral("m-ps-2"), lobby, 1120);
    farm.send(QStringLiteral("m-ps-3"), down, BackplaneMode::PubSub, p2, hostile, 1200);
    farm.receive(p2, QStringLiteral("m-ps-3"), hostile, 1240);
    // m-ps-1 reaches P2 after the 2 s grace period, behind nothing of P1's in
    // lobby (m-ps-2 never reaches P2): late, not out of order.
    farm.receive(p2, QStringLiteral("m-ps-1"), lobby, 4000);
    farm.settle(10'000);
}

DeliveryReport smallReport(ReportFarm &farm)
{
    DeliveryReport report;
    report.title = QStringLiteral("small run");
    report.description = QStringLiteral("Two panes & two phases");
    report.source = QStringLiteral("scenarios/small.yaml");
    report.startedAt
        = QDateTime::fromMSecsSinceEpoch(ReportFarm::kStart).toUTC().toString(Qt::ISODateWithMs);
    report.durationMs = 10'000;
    report.farm = QStringList {QStringLiteral("nodes: 2"), QStringLiteral("redis: single")};
    report.timeline = {{0, QStringLiteral("phase"), QStringLiteral("warm-up")},
        {900, QStringLiteral("phase"), QStringLiteral("redis-down")},
        {950, QStringLiteral("fault"), QStringLiteral("stop redis")},
        {5000, QStringLiteral("heal"), QStringLiteral("start redis")}};
    report.fillFromTracker(farm.tracker, ReportFarm::kStart, farm.phaseOfRow);
    report.expectations
        = {{QStringLiteral("phase 'warm-up' (off): lostUncounted ≤ 0"), QStringLiteral("0"), true},
            {QStringLiteral("phase 'redis-down' (pubsub): lostUncounted ≤ 0"), QStringLiteral("1"),
                false}};
    report.passed = false;
    return report;
}

namespace {

// A small deterministic jitter, so the sample looks measured.
qint64 jitter(int i, int spread)
{
    return qint64((i * 7919 + 104729) % spread);
}

const QStringList kSamplePanes {
    QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")};

QStringList roomMembers(const QString &room)
{
    return room == QLatin1String("ops")
        ? QStringList {QStringLiteral("alice"), QStringLiteral("carol")}
        : kSamplePanes;
}

// Steady pub/sub: everyone in the room gets it within tens of ms.
void sampleSteady(ReportFarm &farm)
{
    for (int i = 0; i < 10; ++i) {
        const QString id = QStringLiteral("7f3a%1-steady").arg(i, 2, 10, QLatin1Char('0'));
        const QString sender = kSamplePanes.at(i % 3);
        const QString room = i % 4 == 3 ? QStringLiteral("ops") : QStringLiteral("lobby");
        const qint64 at = 1000 + i * 750;
        farm.send(id, QStringLiteral("steady"), BackplaneMode::PubSub, sender, room, at);
        for (const QString &pane : roomMembers(room))
            farm.receive(
                pane, id, room, at + (pane == sender ? 2 + jitter(i, 4) : 8 + jitter(i, 23)));
    }
}

// Redis stopped: only the sender's own node delivers. The node warns the
// sender, except once: a loss nobody counted.
void sampleRedisDown(ReportFarm &farm)
{
    for (int i = 0; i < 8; ++i) {
        const QString id = QStringLiteral("b41c%1-down").arg(i, 2, 10, QLatin1Char('0'));
        const QString sender = kSamplePanes.at(i % 3);
        const QString room = QStringLiteral("lobby");
        const qint64 at = 12'500 + i * 800;
        farm.send(id, QStringLiteral("redis-down"), BackplaneMode::PubSub, sender, room, at);
        farm.receive(sender, id, room, at + 3 + jitter(i, 5));
        if (i != 5)
            farm.tracker.recordWarning(id);
    }
}

// Streams after Redis returned: the first ones replay late, one through
// History, then everything is live again.
void sampleRecovered(ReportFarm &farm)
{
    for (int i = 0; i < 12; ++i) {
        const QString id = QStringLiteral("c9e2%1-streams").arg(i, 2, 10, QLatin1Char('0'));
        const bool replayed = i < 3;
        const QString sender = replayed ? QStringLiteral("alice") : kSamplePanes.at(i % 3);
        const QString room = QStringLiteral("lobby");
        const qint64 at = replayed ? 21'200 + i * 300 : 25'000 + i * 420;
        farm.send(id, QStringLiteral("recovered"), BackplaneMode::Streams, sender, room, at);
        for (const QString &pane : roomMembers(room)) {
            const bool own = pane == sender;
            const qint64 latency = own ? 3 + jitter(i, 4)
                : replayed             ? 2600 + i * 180 + jitter(i, 90)
                                       : 12 + jitter(i, 60);
            farm.receive(
                pane, id, room, at + latency, replayed && i == 2 && pane == QLatin1String("carol"));
        }
    }
}

} // namespace

DeliveryReport sampleReport()
{
    ReportFarm farm;
    const QStringList nodes {
        QStringLiteral("node-1"), QStringLiteral("node-2"), QStringLiteral("node-3")};
    for (int i = 0; i < 3; ++i)
        farm.tracker.addPane(kSamplePanes.at(i), nodes.at(i),
            roomMembers(QStringLiteral("ops")).contains(kSamplePanes.at(i))
                ? QStringList {QStringLiteral("lobby"), QStringLiteral("ops")}
                : QStringList {QStringLiteral("lobby")});
    sampleSteady(farm);
    sampleRedisDown(farm);
    sampleRecovered(farm);
    farm.settle(34'000);

    DeliveryReport report;
    report.title = QStringLiteral("redis-outage");
    report.description = QStringLiteral("Three nodes on pub/sub lose Redis for eight seconds, "
                                        "then switch to streams once it is back.");
    report.source = QStringLiteral("scenarios/redis-outage.yaml");
    report.startedAt
        = QDateTime::fromMSecsSinceEpoch(ReportFarm::kStart).toUTC().toString(Qt::ISODate);
    report.durationMs = 34'000;
    report.farm = {QStringLiteral("nodes: 3"), QStringLiteral("redis-topology: single"),
        QStringLiteral("backplane: pubsub → streams"), QStringLiteral("grace period: 2000 ms"),
        QStringLiteral("panes: 3")};
    report.timeline = {{0, QStringLiteral("step"), QStringLiteral("start redis and 3 nodes")},
        {800, QStringLiteral("phase"), QStringLiteral("steady")},
        {11'800, QStringLiteral("fault"), QStringLiteral("stop redis")},
        {12'000, QStringLiteral("phase"), QStringLiteral("redis-down")},
        {19'600, QStringLiteral("heal"), QStringLiteral("start redis")},
        {20'400, QStringLiteral("mode"), QStringLiteral("backplane → streams")},
        {21'000, QStringLiteral("phase"), QStringLiteral("recovered")},
        {30'200, QStringLiteral("note"), QStringLiteral("waiting 2 s for late arrivals")}};
    report.fillFromTracker(farm.tracker, ReportFarm::kStart, farm.phaseOfRow);
    report.phases[1].historyResets = 2;
    const DeliveryVerdict &steady = report.phases.at(0).verdict,
                          &down = report.phases.at(1).verdict,
                          &recovered = report.phases.at(2).verdict;
    report.expectations = {{QStringLiteral("phase 'steady' (pubsub): delivered = messages"),
                               QStringLiteral("%1 / %2").arg(steady.delivered).arg(steady.messages),
                               steady.delivered == steady.messages},
        {QStringLiteral("phase 'redis-down' (pubsub): lostCounted ≥ 1"),
            QString::number(down.lostCounted), down.lostCounted >= 1},
        {QStringLiteral("phase 'redis-down' (pubsub): lostUncounted ≤ 0"),
            QString::number(down.lostUncounted), down.lostUncounted <= 0},
        {QStringLiteral("phase 'recovered' (streams): lostUncounted + lostCounted ≤ 0"),
            QString::number(recovered.lostUncounted + recovered.lostCounted),
            recovered.lostUncounted + recovered.lostCounted <= 0}};
    report.passed = std::all_of(report.expectations.cbegin(), report.expectations.cend(),
        [](const DeliveryReport::Expectation &e) { return e.passed; });
    return report;
}

} // namespace farmchat::testing
