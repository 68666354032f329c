#include "redis/clusterrouter.h"
#include "redis/clusterslot.h"
#include "redis/shardedsubscriber.h"
#include "tests/support/testrediscluster.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using namespace farmchat;
using farmchat::test::scaledMs;
using farmchat::test::TestRedisCluster;

namespace {

constexpr int kChannels = 30;

QByteArray channel(int n)
{
    return "farmchat:room:r" + QByteArray::number(n);
}

} // namespace

// Sharded pub/sub on a real 3-shard Redis Cluster: 30 channels, each
// SSUBSCRIBEd on the shard owning its slot and on no other (PUBSUB
// SHARDCHANNELS per shard); SPUBLISH through the router reaches the
// subscriber; a killed shard silences only its own channels; a channel whose
// slot moves follows it (the old owner's sunsubscribe, a map refresh).
class tst_ShardedSubscriber : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestRedisCluster> m_cluster;
    std::unique_ptr<ClusterRouter> m_router;
    std::unique_ptr<ShardedSubscriber> m_subscriber;
    QHash<QByteArray, int> m_received; // channel -> messages

    RedisConnectionOptions options(const QString &name) const
    {
        RedisConnectionOptions o;
        o.password = m_cluster->password();
        o.clientName = name;
        o.connectTimeoutMs = scaledMs(2000);
        o.commandTimeoutMs = scaledMs(3000);
        o.backoff.maxDelayMs = 500;
        o.probeChannel = "tst:probe";
        return o;
    }

    // SPUBLISH through the router; the number of receivers Redis counted, or
    // -1 with the error in `error`.
    qint64 publish(const QByteArray &ch, const QByteArray &payload, QString *error = nullptr)
    {
        std::optional<RedisValue> reply;
        m_router->command(
            {"SPUBLISH", ch, payload}, 1, [&reply](const RedisValue &v) { reply = v; });
        if (!QTest::qWaitFor([&] { return reply.has_value(); }, scaledMs(10000)))
            return -1;
        if (!reply->isInteger()) {
            if (error)
                *error = reply->errorText();
            return -1;
        }
        return reply->toInteger();
    }

    // Which test cluster node owns a channel's slot.
    int ownerOf(const QByteArray &ch) const { return m_cluster->ownerOf(clusterKeySlot(ch)); }

    QSet<QByteArray> shardChannels(int shard) const
    {
        QSet<QByteArray> names;
        const auto reply = m_cluster->shard(shard).command({"PUBSUB", "SHARDCHANNELS"});
        for (const QVariant &name : reply.value.toList())
            names << name.toByteArray();
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_cluster = std::make_unique<TestRedisCluster>(3);
        FARMCHAT_VERIFY_OK(m_cluster->start());
        QList<RedisUrl> seeds;
        for (const QString &url : m_cluster->urls())
            seeds << RedisUrl::parse(url).value();
        m_router = std::make_unique<ClusterRouter>(seeds, options(QStringLiteral("tst-router")));
        m_subscriber = std::make_unique<ShardedSubscriber>(
            *m_router, options(QStringLiteral("tst-sharded")));
        connect(m_subscriber.get(), &ShardedSubscriber::message, this,
            [this](const QByteArray &ch, const QByteArray &) { ++m_received[ch]; });
        for (int n = 0; n < kChannels; ++n)
            m_subscriber->subscribe(channel(n));
        m_router->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_subscriber->isReady(), scaledMs(10000));
        QCOMPARE(m_subscriber->links(), 3);
    }

    void cleanupTestCase()
    {
        m_subscriber.reset();
        m_router.reset();
        m_cluster.reset();
    }

    void eachChannelOnItsShardOnly()
    {
        for (int n = 0; n < kChannels; ++n)
            QTRY_VERIFY_WITH_TIMEOUT(m_subscriber->isSubscribed(channel(n)), scaledMs(5000));
        QSet<QByteArray> expected[3];
        for (int n = 0; n < kChannels; ++n) {
            const int owner = ownerOf(channel(n));
            QVERIFY(owner >= 0);
            expected[owner] << channel(n);
            QCOMPARE(m_subscriber->placement(channel(n)),
                QStringLiteral("127.0.0.1:%1").arg(m_cluster->shard(owner).port()));
        }
        for (int shard = 0; shard < 3; ++shard) {
            QVERIFY2(!expected[shard].isEmpty(), "30 channels reach every shard");
            QCOMPARE(shardChannels(shard), expected[shard]);
        }
    }

    void publishedMessagesArrive()
    {
        m_received.clear();
        for (int n = 0; n < kChannels; ++n)
            QCOMPARE(publish(channel(n), "hello"), 1); // one sharded subscriber each
        for (int n = 0; n < kChannels; ++n)
            QTRY_COMPARE_WITH_TIMEOUT(m_received.value(channel(n)), 1, scaledMs(5000));
    }

    void killedShardSilencesOnlyItsChannels()
    {
        const int victim = 2;
        m_cluster->kill(victim);
        QTRY_VERIFY_WITH_TIMEOUT(!m_subscriber->isReady(), scaledMs(10000));
        m_received.clear();
        int others = 0;
        for (int n = 0; n < kChannels; ++n) {
            if (ownerOf(channel(n)) == victim || ownerOf(channel(n)) < 0) {
                QString error;
                QCOMPARE(publish(channel(n), "lost", &error), -1);
                QVERIFY2(!error.isEmpty(), "a publish to the dead shard fails, naming why");
                QVERIFY(!m_subscriber->isSubscribed(channel(n)));
                continue;
            }
            QCOMPARE(publish(channel(n), "still"), 1);
            ++others;
        }
        QVERIFY(others > 0 && others < kChannels);
        QTRY_COMPARE_WITH_TIMEOUT(int(m_received.size()), others, scaledMs(5000));
        QVERIFY(!m_subscriber->lastError().text.isEmpty());

        FARMCHAT_VERIFY_OK(m_cluster->restart(victim));
        QTRY_VERIFY_WITH_TIMEOUT(m_subscriber->isReady(), scaledMs(15000));
        for (int n = 0; n < kChannels; ++n)
            QTRY_VERIFY_WITH_TIMEOUT(m_subscriber->isSubscribed(channel(n)), scaledMs(5000));
        m_received.clear();
        for (int n = 0; n < kChannels; ++n)
            QTRY_COMPARE_WITH_TIMEOUT(publish(channel(n), "back"), 1, scaledMs(10000));
        QTRY_COMPARE_WITH_TIMEOUT(int(m_received.size()), kChannels, scaledMs(5000));
    }

    void channelFollowsItsSlot()
    {
        const QByteArray moving = channel(0);
        const int slot = clusterKeySlot(moving);
        const int from = ownerOf(moving);
        QVERIFY(from >= 0);
        const int to = (from + 1) % 3;
        const QByteArray toId = m_cluster->nodeId(to);
        const qint64 lastErrorAt = m_subscriber->lastError().atMs;
        // A channel holds no keys: naming the new owner moves the slot (the
        // new owner first, then the old one and the rest, as in the spec).
        for (int node : {to, from, 3 - to - from})
            QVERIFY(m_cluster->shard(node)
                        .command({"CLUSTER", "SETSLOT", QByteArray::number(slot), "NODE", toId})
                        .ok);
        QTRY_COMPARE_WITH_TIMEOUT(m_subscriber->placement(moving),
            QStringLiteral("127.0.0.1:%1").arg(m_cluster->shard(to).port()), scaledMs(10000));
        QTRY_VERIFY_WITH_TIMEOUT(m_subscriber->isSubscribed(moving), scaledMs(5000));
        QVERIFY(shardChannels(to).contains(moving));
        QVERIFY(!shardChannels(from).contains(moving));
        // No link was lost on the way: the other channels of both shards
        // stayed subscribed throughout.
        QCOMPARE(m_subscriber->lastError().atMs, lastErrorAt);
        for (int n = 1; n < kChannels; ++n)
            QVERIFY(m_subscriber->isSubscribed(channel(n)));
        m_received.clear();
        QCOMPARE(publish(moving, "moved"), 1); // MOVED followed by the router
        QTRY_COMPARE_WITH_TIMEOUT(m_received.value(moving), 1, scaledMs(5000));
    }
};

QTEST_GUILESS_MAIN(tst_ShardedSubscriber)
#include "tst_shardedsubscriber.moc"
