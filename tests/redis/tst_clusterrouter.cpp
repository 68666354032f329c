#include "redis/clusterrouter.h"
#include "redis/clusterslot.h"
#include "tests/support/testrediscluster.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace farmchat;
using farmchat::test::scaledMs;
using farmchat::test::TestRedisCluster;

namespace {

RedisValue run(ClusterRouter &router, const QList<QByteArray> &args, int keyIndex = 1)
{
    std::optional<RedisValue> reply;
    router.command(args, keyIndex, [&reply](const RedisValue &v) { reply = v; });
    const bool answered = QTest::qWaitFor([&] { return reply.has_value(); }, scaledMs(10000));
    return answered ? *reply
                    : RedisValue::linkError(QStringLiteral("test: no callback within 10 s"));
}

// SETs of new keys and GETs of the ones already written, one every few ms,
// all in one slot ({tag}), while the test moves that slot: every reply is
// checked, so a command lost or answered wrongly fails the test.
class Traffic : public QObject
{
public:
    Traffic(ClusterRouter &router, QByteArray tag) : m_router(router), m_tag(std::move(tag))
    {
        connect(&m_timer, &QTimer::timeout, this, [this] { step(); });
    }
    void start() { m_timer.start(2); }
    void stop() { m_timer.stop(); }
    QByteArray key(int n) const { return '{' + m_tag + "}:k" + QByteArray::number(n); }
    int written() const { return m_written; }
    int replies() const { return m_replies; }
    int sent() const { return m_sent; }
    const QStringList &failures() const { return m_failures; }

private:
    void step()
    {
        const int n = m_written++;
        ++m_sent;
        m_router.command({"SET", key(n), QByteArray::number(n)}, 1, [this, n](const RedisValue &v) {
            ++m_replies;
            if (const QString error = v.expectOk("SET"); !error.isEmpty())
                m_failures << QStringLiteral("SET k%1: %2").arg(n).arg(error);
        });
        if (n == 0)
            return;
        const int old = n / 2; // an earlier key: it may have moved meanwhile
        ++m_sent;
        m_router.command({"GET", key(old)}, 1, [this, old](const RedisValue &v) {
            ++m_replies;
            if (v != RedisValue::bulk(QByteArray::number(old)))
                m_failures << QStringLiteral("GET k%1: %2")
                                  .arg(old)
                                  .arg(v.describe() + ' ' + v.errorText());
        });
    }

    ClusterRouter &m_router;
    QByteArray m_tag;
    QTimer m_timer;
    int m_written = 0;
    int m_sent = 0;
    int m_replies = 0;
    QStringList m_failures;
};

} // namespace

// ClusterRouter against a real 3-shard Redis Cluster (redis-server 7 with
// cluster-enabled): keys land on the shard owning their slot, a slot moved by
// hand is followed through ASK and then MOVED without losing a command, and a
// killed shard fails only the commands for its own slots.
class tst_ClusterRouter : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestRedisCluster> m_cluster;
    std::unique_ptr<ClusterRouter> m_router;
    QByteArray m_lostKey; // a key of the killed shard

    std::unique_ptr<ClusterRouter> makeRouter()
    {
        QList<RedisUrl> seeds;
        for (const QString &url : m_cluster->urls())
            seeds << RedisUrl::parse(url).value();
        RedisConnectionOptions options;
        options.password = m_cluster->password();
        options.clientName = QStringLiteral("tst-clusterrouter");
        options.connectTimeoutMs = scaledMs(2000);
        options.commandTimeoutMs = scaledMs(3000);
        return std::make_unique<ClusterRouter>(seeds.mid(1, 1), options); // one seed suffices
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_cluster = std::make_unique<TestRedisCluster>(3);
        FARMCHAT_VERIFY_OK(m_cluster->start());
        m_router = makeRouter();
        QSignalSpy changed(m_router.get(), &ClusterRouter::slotMapChanged);
        m_router->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_router->isReady(), scaledMs(10000));
        QCOMPARE(changed.size(), 1);
        QVERIFY(m_router->slotMap().isComplete());
        QCOMPARE(m_router->slotMap().primaries().size(), 3);
    }

    void cleanupTestCase()
    {
        m_router.reset();
        m_cluster.reset();
    }

    void keysLandOnTheirShard();
    void slotMovedWhileCommandsFlow();
    void killedShardFailsOnlyItsSlots();
    void restartedShardServesAgain();
};

void tst_ClusterRouter::keysLandOnTheirShard()
{
    QSet<int> shardsUsed;
    for (int i = 0; i < 30; ++i) {
        const QByteArray key = "key:" + QByteArray::number(i);
        const QByteArray value = "value-" + QByteArray::number(i);
        QCOMPARE(run(*m_router, {"SET", key, value}).expectOk("SET"), QString());
        QCOMPARE(run(*m_router, {"GET", key}), RedisValue::bulk(value));
        // The shard the cluster says owns the slot has it: a direct GET on
        // any other node would answer MOVED instead.
        const int slot = clusterKeySlot(key);
        const int owner = m_cluster->ownerOf(slot);
        QVERIFY2(owner >= 0, qPrintable(QStringLiteral("no owner for slot %1").arg(slot)));
        QCOMPARE(m_router->slotMap().primaryFor(slot)->port, m_cluster->shard(owner).port());
        const auto direct = m_cluster->shard(owner).command({"GET", key});
        QVERIFY2(direct.ok, direct.error.constData());
        QCOMPARE(direct.value.toByteArray(), value);
        shardsUsed << owner;
    }
    QCOMPARE(shardsUsed.size(), 3);
    QCOMPARE(m_router->movedRedirects(), 0);
    QCOMPARE(m_router->askRedirects(), 0);
    const auto shards = m_router->shards();
    QCOMPARE(std::count_if(shards.begin(), shards.end(),
                 [](const ClusterRouter::ShardStatus &s) {
                     return s.primary && s.state == RedisConnection::State::Ready;
                 }),
        3);
}

void tst_ClusterRouter::slotMovedWhileCommandsFlow()
{
    const QByteArray tag = "moving";
    const int slot = clusterKeySlot(tag);
    const int from = m_cluster->ownerOf(slot);
    QVERIFY(from >= 0);
    const int to = (from + 1) % m_cluster->size();
    const QByteArray fromId = m_cluster->nodeId(from);
    const QByteArray toId = m_cluster->nodeId(to);
    QSignalSpy changed(m_router.get(), &ClusterRouter::slotMapChanged);

    Traffic traffic(*m_router, tag);
    traffic.start();
    QTRY_VERIFY_WITH_TIMEOUT(traffic.replies() >= 40, scaledMs(10000));

    // Redis Cluster spec, "Live reconfiguration": importing on the target,
    // migrating on the source, move the keys, then name the new owner.
    QVERIFY(m_cluster->shard(to)
                .command({"CLUSTER", "SETSLOT", QByteArray::number(slot), "IMPORTING", fromId})
                .ok);
    QVERIFY(m_cluster->shard(from)
                .command({"CLUSTER", "SETSLOT", QByteArray::number(slot), "MIGRATING", toId})
                .ok);
    int repliesBefore = traffic.replies();
    QTRY_VERIFY_WITH_TIMEOUT(traffic.replies() >= repliesBefore + 40, scaledMs(10000));
    QVERIFY2(m_router->askRedirects() > 0, "new keys of a migrating slot are answered ASK");

    for (int round = 0; round < 100; ++round) {
        const auto keys = m_cluster->shard(from).command(
            {"CLUSTER", "GETKEYSINSLOT", QByteArray::number(slot), "1000"});
        QVERIFY2(keys.ok, keys.error.constData());
        if (keys.value.toList().isEmpty())
            break;
        QList<QByteArray> migrate {"MIGRATE", "127.0.0.1",
            QByteArray::number(m_cluster->shard(to).port()), "", "0", "5000", "AUTH",
            m_cluster->password(), "KEYS"};
        for (const QVariant &key : keys.value.toList())
            migrate << key.toByteArray();
        const auto moved = m_cluster->shard(from).command(migrate);
        QVERIFY2(moved.ok, moved.error.constData());
        // Let commands flow between batches: GETs of moved keys get ASK.
        repliesBefore = traffic.replies();
        QTRY_VERIFY_WITH_TIMEOUT(traffic.replies() >= repliesBefore + 10, scaledMs(10000));
    }
    // The new owner first, then the old one and the rest (spec order).
    for (int node : {to, from, 3 - to - from})
        QVERIFY(m_cluster->shard(node)
                    .command({"CLUSTER", "SETSLOT", QByteArray::number(slot), "NODE", toId})
                    .ok);
    QTRY_VERIFY_WITH_TIMEOUT(m_router->movedRedirects() > 0, scaledMs(10000));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_router->slotMap().primaryFor(slot)->port == m_cluster->shard(to).port(), scaledMs(10000));
    QVERIFY(changed.size() >= 1);
    repliesBefore = traffic.replies();
    QTRY_VERIFY_WITH_TIMEOUT(traffic.replies() >= repliesBefore + 40, scaledMs(10000));

    traffic.stop();
    QTRY_COMPARE_WITH_TIMEOUT(traffic.replies(), traffic.sent(), scaledMs(10000));
    QVERIFY2(traffic.failures().isEmpty(), qPrintable(traffic.failures().mid(0, 5).join(u'\n')));
    // Every key written is on the new owner, none left behind.
    for (int n = 0; n < traffic.written(); ++n) {
        const auto direct = m_cluster->shard(to).command({"GET", traffic.key(n)});
        QVERIFY2(direct.ok && direct.value.toByteArray() == QByteArray::number(n),
            qPrintable(QStringLiteral("k%1 on the new owner: %2")
                           .arg(n)
                           .arg(QString::fromUtf8(direct.error))));
    }
    QCOMPARE(m_cluster->shard(from)
                 .command({"CLUSTER", "COUNTKEYSINSLOT", QByteArray::number(slot)})
                 .value.toLongLong(),
        0);
}

void tst_ClusterRouter::killedShardFailsOnlyItsSlots()
{
    const int victim = 2;
    const quint16 victimPort = m_cluster->shard(victim).port();
    // One key per shard, found through the router's map.
    QMap<int, QByteArray> keyOf; // shard index -> key
    for (int i = 0; keyOf.size() < 3 && i < 1000; ++i) {
        const QByteArray key = "kill:" + QByteArray::number(i);
        const int owner = m_cluster->ownerOf(clusterKeySlot(key));
        if (owner >= 0 && !keyOf.contains(owner))
            keyOf.insert(owner, key);
    }
    QCOMPARE(keyOf.size(), 3);
    for (const QByteArray &key : keyOf)
        QCOMPARE(run(*m_router, {"SET", key, "before"}).expectOk("SET"), QString());

    const int refreshesBefore = m_router->refreshes();
    m_cluster->kill(victim);
    const QByteArray lostKey = keyOf.value(victim);
    const QString slotText = QStringLiteral("slot %1").arg(clusterKeySlot(lostKey));
    QTRY_VERIFY_WITH_TIMEOUT(run(*m_router, {"GET", lostKey}).isLinkError(), scaledMs(10000));
    for (int round = 0; round < 3; ++round) {
        const RedisValue failed = run(*m_router, {"SET", lostKey, "after"});
        QVERIFY(failed.isLinkError());
        QVERIFY2(failed.errorText().startsWith(slotText), qPrintable(failed.errorText()));
        QVERIFY2(failed.errorText().contains(QString::number(victimPort)),
            qPrintable(failed.errorText()));
        for (int shard = 0; shard < 3; ++shard) {
            if (shard == victim)
                continue;
            const QByteArray key = keyOf.value(shard);
            QCOMPARE(run(*m_router, {"SET", key, "after"}).expectOk("SET"), QString());
            QCOMPARE(run(*m_router, {"GET", key}), RedisValue::bulk("after"));
        }
    }
    const auto shards = m_router->shards();
    const auto dead
        = std::find_if(shards.begin(), shards.end(), [&](const ClusterRouter::ShardStatus &s) {
              return s.endpoint == QStringLiteral("127.0.0.1:%1").arg(victimPort);
          });
    QVERIFY(dead != shards.end());
    QVERIFY(dead->primary); // no replica took its slots over
    QVERIFY(dead->state != RedisConnection::State::Ready);
    QVERIFY(!dead->lastError.isEmpty());
    // The lost link made the router read the map again (a failover would show there).
    QVERIFY(m_router->refreshes() > refreshesBefore);
    m_lostKey = lostKey;
}

void tst_ClusterRouter::restartedShardServesAgain()
{
    QVERIFY(!m_lostKey.isEmpty());
    FARMCHAT_VERIFY_OK(m_cluster->restart(2)); // from its nodes.conf, with its slots
    // The router's link retries with back-off (at most 5 s between attempts).
    QTRY_COMPARE_WITH_TIMEOUT(
        run(*m_router, {"SET", m_lostKey, "back"}).expectOk("SET"), QString(), scaledMs(15000));
    QCOMPARE(run(*m_router, {"GET", m_lostKey}), RedisValue::bulk("back"));
    const auto direct = m_cluster->shard(2).command({"GET", m_lostKey});
    QCOMPARE(direct.value.toByteArray(), QByteArray("back"));
}

QTEST_GUILESS_MAIN(tst_ClusterRouter)
#include "tst_clusterrouter.moc"
