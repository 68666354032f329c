#include "redis/clusterslotmap.h"

#include "redis/clustershardlinks.h"
#include "redis/clusterslot.h"

#include <QTest>

using namespace farmchat;

namespace {

RedisValue node(const QByteArray &host, qint64 port, const QByteArray &id = "id")
{
    // Redis 7 appends a metadata map (an array in RESP2), empty here.
    return RedisValue::array({RedisValue::bulk(host), RedisValue::integer(port),
        RedisValue::bulk(id), RedisValue::array({})});
}

RedisValue range(qint64 first, qint64 last, QList<RedisValue> nodes)
{
    QList<RedisValue> fields {RedisValue::integer(first), RedisValue::integer(last)};
    fields << nodes;
    return RedisValue::array(fields);
}

// The reply of a three-primary cluster with one replica on the first range,
// ranges deliberately out of order (Redis does not promise an order).
RedisValue threeShards()
{
    return RedisValue::array({
        range(5461, 10922, {node("127.0.0.1", 7001, "b")}),
        range(0, 5460, {node("127.0.0.1", 7000, "a"), node("127.0.0.1", 7003, "r")}),
        range(10923, 16383, {node("127.0.0.1", 7002, "c")}),
    });
}

} // namespace

// ClusterSlotMap and ClusterRedirect: CLUSTER SLOTS replies and redirect
// errors come from the network, so every malformed one must give an error
// naming the problem, never a crash or a half-built map.
class tst_ClusterSlotMap : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void threeShards()
    {
        const auto map = ClusterSlotMap::fromClusterSlots(::threeShards());
        QVERIFY2(map.ok(), qPrintable(map.error()));
        QVERIFY(map->isComplete());
        QCOMPARE(map->coveredSlots(), 16384);
        QCOMPARE(map->ranges().size(), 3);
        QCOMPARE(map->ranges().first().first, 0); // sorted
        QCOMPARE(map->ranges().first().replicas.size(), 1);
        QCOMPARE(map->ranges().first().replicas.first().port, quint16(7003));
        QCOMPARE(map->primaryFor(0)->port, quint16(7000));
        QCOMPARE(map->primaryFor(5460)->port, quint16(7000));
        QCOMPARE(map->primaryFor(5461)->port, quint16(7001));
        QCOMPARE(map->primaryFor(16383)->port, quint16(7002));
        QCOMPARE(map->primaryFor(16383)->endpoint(), QStringLiteral("127.0.0.1:7002"));
        QVERIFY(!map->primaryFor(16384));
        QVERIFY(!map->primaryFor(-1));
        QCOMPARE(map->primaries().size(), 3);
        QCOMPARE(map->primaries().first().id, QByteArray("a"));
    }

    // Each primary's anchor (ClusterShardLinks): the first tag aN whose slot
    // it serves, the same on every node for the same map, and the same again
    // when a failover gives the slots a new primary.
    void shardAnchors()
    {
        const auto map = ClusterSlotMap::fromClusterSlots(::threeShards());
        QVERIFY(map.ok());
        const QHash<QString, QByteArray> anchors = ClusterShardLinks::anchorsOf(map.value());
        QCOMPARE(anchors.size(), 3);
        QSet<QByteArray> distinct;
        for (auto it = anchors.cbegin(); it != anchors.cend(); ++it) {
            QCOMPARE(map->primaryFor(clusterKeySlot(it.value()))->endpoint(), it.key());
            const int n = it.value().mid(1).toInt();
            for (int k = 0; k < n; ++k) {
                const QByteArray earlier = "a" + QByteArray::number(k);
                QVERIFY(map->primaryFor(clusterKeySlot(earlier))->endpoint() != it.key());
            }
            distinct << it.value();
        }
        QCOMPARE(distinct.size(), 3);

        // The replica of 7000 promoted: its slots keep their anchor.
        const auto failedOver = ClusterSlotMap::fromClusterSlots(RedisValue::array({
            range(5461, 10922, {node("127.0.0.1", 7001, "b")}),
            range(0, 5460, {node("127.0.0.1", 7003, "r")}),
            range(10923, 16383, {node("127.0.0.1", 7002, "c")}),
        }));
        QVERIFY(failedOver.ok());
        const QHash<QString, QByteArray> after = ClusterShardLinks::anchorsOf(failedOver.value());
        QCOMPARE(after.value(QStringLiteral("127.0.0.1:7003")),
            anchors.value(QStringLiteral("127.0.0.1:7000")));
        QCOMPARE(after.value(QStringLiteral("127.0.0.1:7001")),
            anchors.value(QStringLiteral("127.0.0.1:7001")));

        // A primary with a single slot still gets one.
        const auto tiny = ClusterSlotMap::fromClusterSlots(RedisValue::array({
            range(0, 16382, {node("h", 1, "big")}),
            range(16383, 16383, {node("h", 2, "small")}),
        }));
        QVERIFY(tiny.ok());
        const QByteArray small
            = ClusterShardLinks::anchorsOf(tiny.value()).value(QStringLiteral("h:2"));
        QVERIFY(!small.isEmpty());
        QCOMPARE(clusterKeySlot(small), 16383);
    }

    void partialAndEmpty()
    {
        const auto partial = ClusterSlotMap::fromClusterSlots(
            RedisValue::array({range(0, 99, {node("h", 1)}), range(200, 200, {node("h", 1)})}));
        QVERIFY2(partial.ok(), qPrintable(partial.error()));
        QVERIFY(!partial->isComplete());
        QCOMPARE(partial->coveredSlots(), 101);
        QVERIFY(partial->primaryFor(99));
        QVERIFY(!partial->primaryFor(100));
        QVERIFY(!partial->primaryFor(201));
        QCOMPARE(partial->primaries().size(), 1); // one node serving two ranges
        const auto empty = ClusterSlotMap::fromClusterSlots(RedisValue::array({}));
        QVERIFY(empty.ok());
        QVERIFY(empty->isEmpty());
        QVERIFY(!empty->primaryFor(0));
        QVERIFY(ClusterSlotMap() == empty.value());
    }

    void minimalNode()
    {
        // Older servers send [host, port] with no id.
        const auto map = ClusterSlotMap::fromClusterSlots(RedisValue::array({range(0, 16383,
            {RedisValue::array({RedisValue::bulk("10.0.0.1"), RedisValue::integer(6379)})})}));
        QVERIFY2(map.ok(), qPrintable(map.error()));
        QVERIFY(map->isComplete());
        QCOMPARE(map->primaryFor(42)->id, QByteArray());
    }

    void malformed_data()
    {
        QTest::addColumn<RedisValue>("reply");
        QTest::addColumn<QString>("error");
        const RedisValue good = node("127.0.0.1", 7000);
        QTest::addRow("error reply")
            << RedisValue::error("ERR This instance has cluster support disabled")
            << "CLUSTER SLOTS reply: ERR This instance has cluster support disabled";
        QTest::addRow("not an array") << RedisValue::bulk(
            "x") << "CLUSTER SLOTS reply: expected an array, got a string of 1 bytes";
        QTest::addRow("range not an array") << RedisValue::array(
            {RedisValue::integer(1)}) << "CLUSTER SLOTS range 0: expected an array, got integer 1";
        QTest::addRow("range without primary")
            << RedisValue::array({range(0, 10, {})})
            << "CLUSTER SLOTS range 0: expected an array of at least 3 elements, got 2";
        QTest::addRow("start not integer")
            << RedisValue::array(
                   {RedisValue::array({RedisValue::bulk("0"), RedisValue::integer(1), good})})
            << "CLUSTER SLOTS range 0 start: expected an integer, got a string of 1 bytes";
        QTest::addRow("slot too big")
            << RedisValue::array({range(0, 16384, {good})})
            << "CLUSTER SLOTS range 0 end: slot 16384 is outside 0..16383";
        QTest::addRow("negative slot") << RedisValue::array(
            {range(-1, 5, {good})}) << "CLUSTER SLOTS range 0 start: slot -1 is outside 0..16383";
        QTest::addRow("reversed") << RedisValue::array({range(10, 5, {good})})
                                  << "CLUSTER SLOTS range 0: ends at slot 5 before it starts at 10";
        QTest::addRow("overlap")
            << RedisValue::array({range(0, 100, {good}), range(100, 200, {node("h", 2)})})
            << "CLUSTER SLOTS reply: slots 0-100 (127.0.0.1:7000) overlap slots "
               "100-200 (h:2)";
        QTest::addRow("node not an array")
            << RedisValue::array({range(0, 1, {RedisValue::bulk("h:1")})})
            << "CLUSTER SLOTS range 0 primary: expected an array, got a "
               "string of 3 bytes";
        QTest::addRow("node too short")
            << RedisValue::array({range(0, 1, {RedisValue::array({RedisValue::bulk("h")})})})
            << "CLUSTER SLOTS range 0 primary: expected an array of at least 2 elements, got 1";
        QTest::addRow("host not a string")
            << RedisValue::array({range(
                   0, 1, {RedisValue::array({RedisValue::integer(1), RedisValue::integer(2)})})})
            << "CLUSTER SLOTS range 0 primary host: expected a string, got "
               "integer 1";
        QTest::addRow("unknown host")
            << RedisValue::array({range(0, 1, {node("?", 7000)})})
            << "CLUSTER SLOTS range 0 primary: the node has no known address";
        QTest::addRow("empty host")
            << RedisValue::array({range(0, 1, {node("", 7000)})})
            << "CLUSTER SLOTS range 0 primary: the node has no known address";
        QTest::addRow("port not integer")
            << RedisValue::array({range(
                   0, 1, {RedisValue::array({RedisValue::bulk("h"), RedisValue::bulk("1")})})})
            << "CLUSTER SLOTS range 0 primary port: expected an integer, got a string of 1 bytes";
        QTest::addRow("port zero") << RedisValue::array({range(0, 1, {node("h", 0)})})
                                   << "CLUSTER SLOTS range 0 primary: port 0 is not a TCP port";
        QTest::addRow("port too big")
            << RedisValue::array({range(0, 1, {node("h", 70000)})})
            << "CLUSTER SLOTS range 0 primary: port 70000 is not a TCP port";
        QTest::addRow("id not a string")
            << RedisValue::array({range(0, 1,
                   {RedisValue::array(
                       {RedisValue::bulk("h"), RedisValue::integer(1), RedisValue::array({})})})})
            << "CLUSTER SLOTS range 0 primary id: expected a string, got an array of 0 elements";
        QTest::addRow("bad replica")
            << RedisValue::array({range(0, 1, {good, node("h", -4)})})
            << "CLUSTER SLOTS range 0 replica 1: port -4 is not a TCP port";
        QTest::addRow("second range bad") << RedisValue::array({range(0, 1, {good}), RedisValue()})
                                          << "CLUSTER SLOTS range 1: expected an array, got nil";
    }
    void malformed()
    {
        QFETCH(RedisValue, reply);
        QFETCH(QString, error);
        const auto map = ClusterSlotMap::fromClusterSlots(reply);
        QVERIFY(!map.ok());
        QCOMPARE(map.error(), error);
    }

    void redirect_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("moved");
        QTest::addColumn<int>("slot");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addRow("moved") << QByteArray("MOVED 3999 127.0.0.1:6381") << true << 3999
                               << "127.0.0.1" << 6381;
        QTest::addRow("ask") << QByteArray("ASK 3999 127.0.0.1:6381") << false << 3999
                             << "127.0.0.1" << 6381;
        QTest::addRow("ipv6") << QByteArray("MOVED 0 ::1:7000") << true << 0 << "::1" << 7000;
        QTest::addRow("unknown endpoint")
            << QByteArray("ASK 16383 :7000") << false << 16383 << "" << 7000;
    }
    void redirect()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, moved);
        QFETCH(int, slot);
        QFETCH(QString, host);
        QFETCH(int, port);
        QVERIFY(ClusterRedirect::isRedirect(RedisValue::error(text)));
        const auto redirect = ClusterRedirect::parse(text);
        QVERIFY2(redirect.ok(), qPrintable(redirect.error()));
        QCOMPARE(redirect->kind == ClusterRedirect::Kind::Moved, moved);
        QCOMPARE(redirect->slot, slot);
        QCOMPARE(redirect->host, host);
        QCOMPARE(redirect->port, quint16(port));
    }

    void badRedirect_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        const QString notRedirect
            = QStringLiteral("'%1' is not a redirect: expected 'MOVED|ASK <slot> <host>:<port>'");
        QTest::addRow("other error") << QByteArray("ERR wrong") << notRedirect.arg("ERR wrong");
        QTest::addRow("too few words") << QByteArray("MOVED 3999") << notRedirect.arg("MOVED 3999");
        QTest::addRow("too many words")
            << QByteArray("ASK 1 h:1 x") << notRedirect.arg("ASK 1 h:1 x");
        QTest::addRow("lower case") << QByteArray("moved 1 h:1") << notRedirect.arg("moved 1 h:1");
        QTest::addRow("slot not a number")
            << QByteArray("MOVED x h:1") << "redirect 'MOVED x h:1': bad slot";
        QTest::addRow("slot too big")
            << QByteArray("MOVED 16384 h:1") << "redirect 'MOVED 16384 h:1': bad slot";
        QTest::addRow("negative slot")
            << QByteArray("ASK -1 h:1") << "redirect 'ASK -1 h:1': bad slot";
        QTest::addRow("no port") << QByteArray("MOVED 1 h")
                                 << "redirect 'MOVED 1 h': bad address, expected <host>:<port>";
        QTest::addRow("port zero") << QByteArray("MOVED 1 h:0")
                                   << "redirect 'MOVED 1 h:0': bad address, expected <host>:<port>";
        QTest::addRow("port too big") << QByteArray(
            "MOVED 1 h:65536") << "redirect 'MOVED 1 h:65536': bad address, expected <host>:<port>";
        QTest::addRow("port not a number") << QByteArray(
            "ASK 1 h:x") << "redirect 'ASK 1 h:x': bad address, expected <host>:<port>";
    }
    void badRedirect()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        const auto redirect = ClusterRedirect::parse(text);
        QVERIFY(!redirect.ok());
        QCOMPARE(redirect.error(), error);
    }

    void isRedirect()
    {
        QVERIFY(!ClusterRedirect::isRedirect(RedisValue::error("ERR MOVED 1 h:1")));
        QVERIFY(!ClusterRedirect::isRedirect(RedisValue::bulk("MOVED 1 h:1")));
        QVERIFY(!ClusterRedirect::isRedirect(RedisValue::linkError(QStringLiteral("MOVED 1 h:1"))));
    }
};

QTEST_GUILESS_MAIN(tst_ClusterSlotMap)
#include "tst_clusterslotmap.moc"
