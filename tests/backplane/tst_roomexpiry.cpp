#include "backplane/streams/streamsbackplane_p.h"
#include "tests/backplane/backplaneharness.h"
#include "tests/support/testredisserver.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

using namespace farmchat;
using namespace farmchat::test;

namespace {

// FARMCHAT_IDLE_ROOMS=10000 measures a bigger farm; CI uses the default.
int roomCount()
{
    bool ok = false;
    const int n = qEnvironmentVariableIntValue("FARMCHAT_IDLE_ROOMS", &ok);
    return ok && n > 0 ? n : 2000;
}

struct HistoryResult
{
    bool done = false;
    QList<ChatMessage> messages;
    QString error;
};

HistoryResult history(Backplane &backplane, const QString &room)
{
    HistoryResult result;
    backplane.history(room, QString(), 100, [&](const Result<QList<ChatMessage>> &messages) {
        result = {true, messages ? messages.value() : QList<ChatMessage>(),
            messages ? QString() : messages.error()};
    });
    if (!QTest::qWaitFor([&] { return result.done; }, 5000))
        result.error = QStringLiteral("test: history gave no answer within 5 s");
    return result;
}

int failures(const QList<PublishOutcome> &outcomes)
{
    int failed = 0;
    for (const PublishOutcome &o : outcomes)
        failed += o ? 0 : 1;
    return failed;
}

} // namespace

// Streams mode with --room-idle-ttl: a room's stream goes once the room has
// been idle that long, Redis gives the memory back, and a room used again
// after that works as a new one.
class tst_RoomExpiry : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void idleRoomsExpire();
    void noTtlKeepsRooms();
};

void tst_RoomExpiry::idleRoomsExpire()
{
    const int n = roomCount();
    // Short, but well past the time the writes take on a loaded machine
    // (~0.7 ms per room here), so every room is still there when counted.
    const qint64 kTtlMs = std::max(8000, 4 * n);
    TestRedisServer redis;
    FARMCHAT_START_REDIS(redis);
    QStringList rooms;
    for (int i = 0; i < n; ++i)
        rooms << QStringLiteral("room-%1").arg(i);
    BackplaneHarness farm(redis, BackplaneMode::Streams, 1, rooms, [kTtlMs](BackplaneSettings &s) {
        s.channelPrefix = QStringLiteral("farmchat"); // the key names below
        s.roomIdleTtlMs = kTtlMs;
    });
    QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 10000);
    HarnessNode &node = farm.node(0);
    // The epoch key is in Redis once the node can send.
    QTRY_COMPARE_WITH_TIMEOUT(redis.dbSize(), 1, 5000);
    const qint64 keysBefore = redis.dbSize();
    const qint64 memoryBefore = redis.usedMemory();

    QElapsedTimer clock;
    clock.start();
    for (const QString &room : std::as_const(rooms))
        node.publish(room, QStringLiteral("once in ") + room);
    QTRY_COMPARE_WITH_TIMEOUT(int(node.outcomes.size()), n, 30000);
    const qint64 writeMs = clock.elapsed();
    QCOMPARE(failures(node.outcomes), 0);
    QTRY_COMPARE_WITH_TIMEOUT(int(node.delivered.size()), n, 10000);
    const qint64 keysWritten = redis.dbSize();
    const qint64 memoryWritten = redis.usedMemory();
    // Every room's stream exists now, with the idle time on it.
    QCOMPARE(keysWritten, keysBefore + n);
    const qint64 pttl = redis.command({"PTTL", "farmchat:stream:room-0"}).value.toLongLong();
    QVERIFY2(pttl > 0 && pttl <= kTtlMs, QByteArray::number(pttl).constData());
    QCOMPARE(redis.command({"PTTL", "farmchat:epoch"}).value.toLongLong(), -1); // not a room key

    // Idle past the TTL: the streams go, by Redis' own expiry.
    clock.restart();
    QTRY_COMPARE_WITH_TIMEOUT(redis.dbSize(), keysBefore, int(kTtlMs) + 20000);
    const qint64 expiredAfterMs = clock.elapsed();
    const qint64 memoryAfter = redis.usedMemory();
    qInfo().noquote() << QStringLiteral(
        "%1 rooms used once: Redis used_memory %2 KiB before, %3 KiB with the rooms (%4 B per "
        "room), %5 KiB after they expired; keys %6 -> %7 -> %8; writes %9 ms, gone %10 ms after")
                             .arg(n)
                             .arg(memoryBefore / 1024)
                             .arg(memoryWritten / 1024)
                             .arg((memoryWritten - memoryBefore) / n)
                             .arg(memoryAfter / 1024)
                             .arg(keysBefore)
                             .arg(keysWritten)
                             .arg(redis.dbSize())
                             .arg(writeMs)
                             .arg(expiredAfterMs);
    const qint64 grown = memoryWritten - memoryBefore;
    QVERIFY2(grown > 0, "the rooms took no memory: the test measures nothing");
    // Back near the start: within a tenth of what the rooms took (client
    // buffers and allocator rounding move a little), and never above it.
    QVERIFY2(memoryAfter <= memoryBefore + grown / 10,
        qPrintable(QStringLiteral("used_memory %1 before, %2 with rooms, %3 after")
                       .arg(memoryBefore)
                       .arg(memoryWritten)
                       .arg(memoryAfter)));

    // An expired room answers History like one that never existed.
    Backplane &backplane = *node.backplane;
    const HistoryResult expired = history(backplane, QStringLiteral("room-0"));
    const HistoryResult never = history(backplane, QStringLiteral("never-used"));
    QVERIFY2(expired.done && expired.error.isEmpty(), qPrintable(expired.error));
    QVERIFY(never.done);
    QCOMPARE(expired.messages.size(), never.messages.size());
    QCOMPARE(expired.messages.size(), 0);
    QCOMPARE(expired.error, never.error);

    // The same rooms used again work normally: every message accepted, read
    // back in its room, and History holds just the new one.
    node.outcomes.clear();
    node.delivered.clear();
    for (const QString &room : std::as_const(rooms))
        node.publish(room, QStringLiteral("again in ") + room);
    QTRY_COMPARE_WITH_TIMEOUT(int(node.outcomes.size()), n, 30000);
    QCOMPARE(failures(node.outcomes), 0);
    QTRY_COMPARE_WITH_TIMEOUT(int(node.delivered.size()), n, 10000);
    for (const QString &room : {rooms.first(), rooms.last()}) {
        QCOMPARE(node.deliveredIn(room).size(), 1);
        const HistoryResult again = history(backplane, room);
        QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
        QCOMPARE(again.messages.size(), 1);
        QCOMPARE(again.messages.first().text, QStringLiteral("again in ") + room);
        QCOMPARE(again.messages.first().id, node.deliveredIn(room).first().id);
    }
    QCOMPARE(redis.dbSize(), keysBefore + n);
}

// --room-idle-ttl 0: streams carry no expiry at all.
void tst_RoomExpiry::noTtlKeepsRooms()
{
    TestRedisServer redis;
    FARMCHAT_START_REDIS(redis);
    BackplaneHarness farm(
        redis, BackplaneMode::Streams, 1, {QStringLiteral("kept")}, [](BackplaneSettings &s) {
            s.channelPrefix = QStringLiteral("farmchat");
            s.roomIdleTtlMs = 0;
        });
    QTRY_VERIFY_WITH_TIMEOUT(farm.ready(), 10000);
    farm.node(0).publish(QStringLiteral("kept"), QStringLiteral("stays"));
    QTRY_COMPARE_WITH_TIMEOUT(int(farm.node(0).outcomes.size()), 1, 5000);
    QCOMPARE(failures(farm.node(0).outcomes), 0);
    QCOMPARE(redis.command({"PTTL", "farmchat:stream:kept"}).value.toLongLong(), -1);
}

QTEST_GUILESS_MAIN(tst_RoomExpiry)
#include "tst_roomexpiry.moc"
