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
#include "tests/support/testfarm.h"
#include "tests/support/testrediscluster.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kRooms = 30;
constexpr int kWaitMs = TestFarm::kWaitMs;

QString room(int n)
{
    return QStringLiteral("s%1").arg(n);
}

} // namespace

class tst_ShardedStreams : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestRedisCluster> m_cluster;
    std::unique_ptr<TestFarm> m_farm;
    QHash<QString, int> m_shardOf; // room -> cluster node index owning its slot

    QHash<QString, QString> sendToEveryRoom(int from, const QString &label)
    {
        QHash<QString, QString> labels;
        for (int n = 0; n < kRooms; ++n) {
            const QString text = QStringLiteral("%1 %2").arg(label, room(n));
            m_farm->send(from, text, room(n));
            labels.insert(room(n), text);
        }
        return labels;
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

    bool setSlot(int node, int slot, const QByteArrayList &how)
    {
        const auto reply = m_cluster->shard(node).command(
            QByteArrayList {"CLUSTER", "SETSLOT", QByteArray::number(slot)} + how);
        if (!reply.ok)
            qWarning("CLUSTER SETSLOT on node %d: %s", node, reply.error.constData());
        return reply.ok;
    }

    // Gives `slot` to cluster node `to` on every node (the slot holds no
    // key: a room's stream lives in its shard's anchor slot).
    bool moveSlot(int slot, int to)
    {
        for (int node = 0; node < m_cluster->size(); ++node) {
            if (!setSlot(node, slot, {"NODE", m_cluster->nodeId(to)}))
                return false;
        }
        return QTest::qWaitFor([&] { return m_cluster->ownerOf(slot) == to; }, kWaitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString missing = TestFarm::missingPrerequisite();
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        m_cluster = std::make_unique<TestRedisCluster>(3);
        FARMCHAT_VERIFY_OK(m_cluster->start());
        QStringList seeds;
        for (int i = 0; i < m_cluster->size(); ++i)
            seeds << QStringLiteral("127.0.0.1:%1").arg(m_cluster->shard(i).port());
        m_farm = std::make_unique<TestFarm>();
        m_farm->redisArgs = {QStringLiteral("--redis-cluster"), seeds.join(u',')};
        FARMCHAT_START_FARM(*m_farm, QStringLiteral("streams"), 2, 1, m_cluster->password());
        QTRY_VERIFY_WITH_TIMEOUT(m_farm->redisConnectedEverywhere(), kWaitMs);
        int joined = 0;
        for (int s = 0; s < m_farm->seats(); ++s) {
            for (int n = 0; n < kRooms; ++n)
                m_farm->seat(s).client->joinRoom(
                    room(n), [&joined](const Result<void> &r) { joined += r ? 1 : 0; });
        }
        QTRY_COMPARE_WITH_TIMEOUT(joined, kRooms * m_farm->seats(), kWaitMs);
        for (int n = 0; n < kRooms; ++n) {
            QVERIFY(m_farm->waitForReaders(room(n)));
            m_shardOf.insert(room(n),
                m_cluster->ownerOf(clusterKeySlot(roomChannel(kDefaultChannelPrefix, room(n)))));
        }
    }

    void cleanupTestCase()
    {
        m_farm.reset();
        m_cluster.reset();
    }

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
                if (m_shardOf.value(room(n)) == shard)
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
            if (!shards.contains(m_shardOf.value(room(n)))) {
                shards << m_shardOf.value(room(n));
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
            if (m_shardOf.value(it.key()) == victim) {
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
            if (m_shardOf.value(it.key()) == victim) {
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
        const int from = m_shardOf.value(moving);
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
