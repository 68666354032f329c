// TopologyFlow: each message's path as tokens, capped and coalesced under load.
#include "app/topologyflow.h"

#include <QTest>

using namespace farmchat;

namespace {

constexpr int R = TopologyFlow::kRedis;

QString id(int n)
{
    return QStringLiteral("m%1").arg(n);
}

} // namespace

class tst_TopologyFlow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void localStaysOnItsNode();
    void crossesThroughRedis();
    void lateReceiverAfterUpLeg();
    void unknownOrigin();
    void coalescesUnderLoad_data();
    void coalescesUnderLoad();
    void clear();
};

void tst_TopologyFlow::localStaysOnItsNode()
{
    TopologyFlow flow;
    flow.messageSeen(1, 1, Via::Local, id(1));
    QCOMPARE(flow.tokens().size(), size_t(1));
    QCOMPARE(flow.tokens()[0].from, 1);
    QCOMPARE(flow.tokens()[0].to, 1);
    QCOMPARE(flow.linkCount(1, R), quint64(0));
    flow.advance(TopologyFlow::kLegMs);
    QVERIFY(!flow.busy());
}

void tst_TopologyFlow::crossesThroughRedis()
{
    TopologyFlow flow;
    // pubsub: the sender's node delivers locally, the other two via Redis.
    flow.messageSeen(0, 0, Via::Local, id(1));
    flow.messageSeen(0, 1, Via::PubSub, id(1));
    flow.messageSeen(0, 2, Via::PubSub, id(1));
    QCOMPARE(flow.linkCount(0, R), quint64(1)); // one up leg for the message
    QCOMPARE(flow.tokens().size(), size_t(2)); // the local pulse and the up leg
    flow.advance(TopologyFlow::kLegMs / 2);
    QCOMPARE(flow.linkCount(R, 1), quint64(0)); // still on its way up
    flow.advance(TopologyFlow::kLegMs);
    // Arrived at Redis: handed on to both receivers.
    QCOMPARE(flow.linkCount(R, 1), quint64(1));
    QCOMPARE(flow.linkCount(R, 2), quint64(1));
    QCOMPARE(flow.tokens().size(), size_t(2)); // one down leg per receiving node
    flow.advance(TopologyFlow::kLegMs * 2);
    QVERIFY(!flow.busy());
}

void tst_TopologyFlow::lateReceiverAfterUpLeg()
{
    TopologyFlow flow;
    flow.messageSeen(0, 1, Via::Streams, id(7));
    flow.advance(TopologyFlow::kLegMs * 2); // up leg and its down leg done
    flow.advance(TopologyFlow::kLegMs * 2);
    QVERIFY(!flow.busy());
    flow.messageSeen(0, 0, Via::Streams, id(7)); // streams: the sender's node reads it back later
    QCOMPARE(flow.linkCount(0, R), quint64(1)); // no second up leg
    QCOMPARE(flow.linkCount(R, 0), quint64(1));
}

void tst_TopologyFlow::unknownOrigin()
{
    TopologyFlow flow;
    flow.messageSeen(-1, 2, Via::PubSub, id(1));
    QCOMPARE(flow.linkCount(R, 2), quint64(1));
    QCOMPARE(flow.tokens().size(), size_t(1));
}

void tst_TopologyFlow::coalescesUnderLoad_data()
{
    QTest::addColumn<int>("messages");
    QTest::addColumn<int>("nodes");
    QTest::addRow("a few") << 5 << 2;
    QTest::addRow("a burst") << 1000 << 4;
    QTest::addRow("a flood") << 20000 << 8;
}

void tst_TopologyFlow::coalescesUnderLoad()
{
    QFETCH(int, messages);
    QFETCH(int, nodes);
    TopologyFlow flow;
    for (int m = 0; m < messages; ++m) {
        const int origin = m % nodes;
        for (int at = 0; at < nodes; ++at)
            flow.messageSeen(origin, at, at == origin ? Via::Local : Via::PubSub, id(m));
        if (m % 50 == 0)
            flow.advance(16);
        QVERIFY(int(flow.tokens().size()) <= TopologyFlow::kMaxTokens);
    }
    // Every message is counted on its up link, whether or not it got a token.
    quint64 up = 0;
    for (int n = 0; n < nodes; ++n)
        up += flow.linkCount(n, R);
    QCOMPARE(up, quint64(messages));
    // Drains within bounded steps.
    for (int i = 0; i < 10 && flow.busy(); ++i)
        flow.advance(TopologyFlow::kLegMs);
    QVERIFY(!flow.busy());
}

void tst_TopologyFlow::clear()
{
    TopologyFlow flow;
    flow.messageSeen(0, 1, Via::PubSub, id(1));
    flow.clear();
    QVERIFY(!flow.busy());
    QCOMPARE(flow.linkCount(0, R), quint64(0));
    QCOMPARE(flow.coalesced(), quint64(0));
}

QTEST_GUILESS_MAIN(tst_TopologyFlow)
#include "tst_topologyflow.moc"
