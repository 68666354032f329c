// Two farmchat-node processes in streams mode on a real 3-shard Redis
// Cluster (--redis-cluster): each room's stream lives on the shard that owns
// the room's slot, under that shard's anchor ("farmchat:{aN}:stream:room"),
// read by one reader per shard. 30 rooms cross nodes, each shard holds only
// its own rooms' streams, History reads each room on its shard, and a shard
// killed holds back only its rooms: their messages wait in the outbox and
// reach every node when the shard returns; the other rooms lose nothing. A
// room whose slot moves to another shard continues on that shard's stream
// once the nodes read the new slot map, and its clients are told.
#include "protocol/roomchannel.h"
#include "redis/clusterslot.h"
#include "tests/faults/shardedfarmfixture.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kRooms = ShardedFarmFixture::kRooms;
constexpr int kWaitMs = TestFarm::kWaitMs;

} // namespace

class tst_ShardedStreams : public QObject
{
    Q_OBJECT
private:
    ShardedFarmFixture m_sharded;
    TestRedisCluster *m_cluster = nullptr;
    TestFarm *m_farm = nullptr;

    QString room(int n) const { return m_sharded.room(n); }
    QHash<QString, QString> sendToEveryRoom(int from, const QString &label)
    {
        return m_sharded.sendToEveryRoom(from, label);
    }

    // How often seat `seat` showed a text starting with `label` in `roomName`.
    int shown(int seat, const QString &roomName, const QString &label) const
    {
        const QStringList texts = m_farm->seat(seat).textsIn(roomName);
        return int(std::count_if(texts.cbegin(), texts.cend(),
            [&](const QString &text) { return text.startsWith(label + QStringLiteral(" @")); }));
    }

    // The rooms whose streams shard `shard` holds.
    QSet<QString> streamsOn(int shard)
    {
        QSet<QString> rooms;
        const auto reply = m_cluster->shard(shard).command({"KEYS", "farmchat:*:stream:*"});
        for (const QVariant &key : reply.value.toList()) {
            const QString name = QString::fromUtf8(key.toByteArray());
            rooms << name.mid(name.indexOf(QStringLiteral(":stream:")) + 8);
        }
        return rooms;
    }

    // Gives `slot` to cluster node `to` on every node (the slot holds no
    // key: a room's stream lives in its shard's anchor slot).
    bool moveSlot(int slot, int to)
    {
        for (int node = 0; node < m_cluster->size(); ++node) {
            if (!m_sharded.setSlot(node, slot, {"NODE", m_cluster->nodeId(to)}))
                return false;
        }
        return QTest::qWaitFor([&] { return m_cluster->ownerOf(slot) == to; }, kWaitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        FARMCHAT_VERIFY_OK(m_sharded.start(QStringLiteral("streams"), QStringLiteral("s")));
        m_cluster = &m_sharded.cluster();
        m_farm = &m_sharded.farm();
    }

    void cleanupTestCase() { m_sharded.stop(); }

    void roomsCrossOnTheirOwnShards()
    {
        for (int s = 0; s < m_farm->seats(); ++s)
            sendToEveryRoom(s, QStringLiteral("from %1").arg(s));
        QTRY_COMPARE_WITH_TIMEOUT(m_farm->accepted().size(), 2 * kRooms, kWaitMs);
        QVERIFY(m_farm->waitUntilEveryoneHas(m_farm->accepted()));
        for (int s = 0; s < m_farm->seats(); ++s)
            QCOMPARE(m_farm->seat(s).duplicatesSuppressed, 0);
        // Each shard holds the streams of its own rooms, and only those.
        for (int shard = 0; shard < m_cluster->size(); ++shard) {
            QSet<QString> expected;
            for (int n = 0; n < kRooms; ++n) {
                if (m_sharded.shardOf(room(n)) == shard)
                    expected << room(n);
            }
            QVERIFY2(!expected.isEmpty(), "30 rooms reach every shard");
            QSet<QString> held = streamsOn(shard);
            held.remove(ChatClient::kLobby);
            QCOMPARE(held, expected);
        }

        // History reads each room on its own shard: a new client, one room per shard.
        ChatClientOptions options;
        options.historyOnJoin = true;
        ChatClient late(m_farm->base(1), options);
        QHash<QString, QStringList> fromHistory;
        connect(&late, &ChatClient::messageReceived, this,
            [&fromHistory](const ChatMessage &m, bool history) {
                if (history)
                    fromHistory[m.room] << m.text;
            });
        QVERIFY(late.start());
        QTRY_VERIFY_WITH_TIMEOUT(late.isConnected(), kWaitMs);
        QSet<int> shards;
        QStringList picked;
        for (int n = 0; n < kRooms && shards.size() < m_cluster->size(); ++n) {
            if (!shards.contains(m_sharded.shardOf(room(n)))) {
                shards << m_sharded.shardOf(room(n));
                picked << room(n);
                late.joinRoom(room(n));
            }
        }
        for (const QString &name : picked) {
            for (int s = 0; s < 2; ++s) {
                const QString label = QStringLiteral("from %1 %2 @").arg(s).arg(name);
                QTRY_VERIFY_WITH_TIMEOUT(
                    std::any_of(fromHistory[name].cbegin(), fromHistory[name].cend(),
                        [&](const QString &text) { return text.startsWith(label); }),
                    kWaitMs);
            }
        }
    }

    void aShardDownHoldsBackOnlyItsRooms()
    {
        const int victim = 2;
        m_cluster->kill(victim);
        QTRY_VERIFY_WITH_TIMEOUT(!m_farm->redisConnected(0), kWaitMs);
        QElapsedTimer clock;
        clock.start();
        const QHash<QString, QString> texts = sendToEveryRoom(0, QStringLiteral("shard down"));
        int onVictim = 0;
        for (auto it = texts.cbegin(); it != texts.cend(); ++it) {
            if (m_sharded.shardOf(it.key()) == victim) {
                ++onVictim;
                continue;
            }
            for (int s = 0; s < m_farm->seats(); ++s)
                QTRY_COMPARE_WITH_TIMEOUT(shown(s, it.key(), it.value()), 1, kWaitMs);
        }
        QVERIFY(onVictim > 0 && onVictim < kRooms);
        // The victim's rooms wait in node 1's outbox; nobody shows them yet,
        // and no sender was refused.
        QTRY_COMPARE_WITH_TIMEOUT(
            m_farm->metric(0, "farmchat_backplane_outbox"), onVictim, kWaitMs);
        m_farm->settle(500);
        for (auto it = texts.cbegin(); it != texts.cend(); ++it) {
            if (m_sharded.shardOf(it.key()) == victim) {
                for (int s = 0; s < m_farm->seats(); ++s)
                    QCOMPARE(shown(s, it.key(), it.value()), 0);
            }
        }
        QVERIFY(m_farm->seat(0).failed.isEmpty());

        FARMCHAT_VERIFY_OK(m_cluster->restart(victim));
        const qint64 restartedMs = clock.elapsed();
        for (auto it = texts.cbegin(); it != texts.cend(); ++it) {
            for (int s = 0; s < m_farm->seats(); ++s)
                QTRY_COMPARE_WITH_TIMEOUT(shown(s, it.key(), it.value()), 1, kWaitMs);
        }
        const qint64 deliveredMs = clock.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(m_farm->metric(0, "farmchat_backplane_outbox"), 0, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(m_farm->redisConnectedEverywhere(), kWaitMs);
        QVERIFY(m_farm->seat(0).failed.isEmpty());
        for (int s = 0; s < m_farm->seats(); ++s)
            QCOMPARE(m_farm->seat(s).duplicatesSuppressed, 0);
        qInfo("FAULT cluster shard killed, streams: %d of %d rooms on it; their messages waited "
              "in the outbox and reached both nodes %lld ms after the shard was restarted; the "
              "other %d rooms lost 0; 0 sends refused, 0 duplicates",
            onVictim, kRooms, deliveredMs - restartedMs, kRooms - onVictim);

        // Every room crosses again, both ways.
        const QHash<QString, QString> after = sendToEveryRoom(1, QStringLiteral("shard back"));
        for (auto it = after.cbegin(); it != after.cend(); ++it) {
            for (int s = 0; s < m_farm->seats(); ++s)
                QTRY_COMPARE_WITH_TIMEOUT(shown(s, it.key(), it.value()), 1, kWaitMs);
        }
    }

    void aRoomsSlotMovesToAnotherShard()
    {
        const QString moving = room(0);
        const int from = m_sharded.shardOf(moving);
        const int to = (from + 1) % m_cluster->size();
        const int slot = clusterKeySlot(roomChannel(kDefaultChannelPrefix, moving));
        const int resetsBefore = m_farm->seat(1).resets;
        QElapsedTimer clock;
        clock.start();
        QVERIFY(moveSlot(slot, to));
        // The nodes read the map every 2 s: then the room lives on `to`.
        int sent = 0;
        const auto crossed = [&] {
            const QString text = QStringLiteral("moved %1").arg(sent++);
            m_farm->send(0, text, moving);
            return QTest::qWaitFor([&] { return shown(1, moving, text) == 1; }, 300)
                && streamsOn(to).contains(moving);
        };
        if (!QTest::qWaitFor(crossed, kWaitMs)) {
            for (int n = 0; n < m_farm->nodes(); ++n)
                qWarning("node %d said:\n%s", n, m_farm->node(n).output().right(4000).constData());
            QFAIL("the room never crossed on its new shard");
        }
        const qint64 movedMs = clock.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(m_farm->seat(1).resets > resetsBefore, kWaitMs);
        m_farm->settle(500);
        // Sent while the two nodes disagreed on the room's shard: not read by
        // the other node (the documented cost of a reshard in streams).
        const int missed = m_farm->missedBy(1, 0, moving, QStringLiteral("moved "));
        qInfo("room %s's slot %d moved from shard %d to %d: crossing on the new shard's stream "
              "%lld ms later; %d sends meanwhile, %d of them missed by the other node; its "
              "clients told to fetch History",
            qPrintable(moving), slot, from + 1, to + 1, movedMs, sent, missed);
        // Back where it was, for whatever runs next.
        QVERIFY(moveSlot(slot, from));
    }
};

QTEST_GUILESS_MAIN(tst_ShardedStreams)
#include "tst_shardedstreams.moc"
