#include "client/deliverytracker.h"
#include "launcher/demomatrix_p.h"

#include <QJsonArray>
#include <QTest>

using namespace farmchat;

// The demo's verdict and how it is printed, over a tracker fed by hand.
class tst_DemoMatrix : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void offKeepsItsPromise();
    void offThatCrossesIsBroken();
    void pubsubMissingCellIsBroken();
    void noRowsIsNoPass();

private:
    int send(const QString &id, const QString &fromNode, BackplaneMode mode);
    void receive(const QString &pane, const QString &id, const QString &fromNode);
    void settle();

    std::unique_ptr<DeliveryTracker> m_tracker;
    qint64 m_now = 1'000'000;
};

void tst_DemoMatrix::init()
{
    m_tracker = std::make_unique<DeliveryTracker>();
    m_tracker->setClock([this] { return m_now; });
    m_tracker->setGracePeriodMs(1000);
    m_tracker->addPane(QStringLiteral("pane-node-9090"), QStringLiteral("node-9090"));
    m_tracker->addPane(QStringLiteral("pane-node-9091"), QStringLiteral("node-9091"));
}

int tst_DemoMatrix::send(const QString &id, const QString &fromNode, BackplaneMode mode)
{
    return m_tracker->recordSent(
        {id, QStringLiteral("pane-") + fromNode, QStringLiteral("lobby"), fromNode, mode, m_now});
}

void tst_DemoMatrix::receive(const QString &pane, const QString &id, const QString &fromNode)
{
    ChatMessage message;
    message.id = id;
    message.room = QStringLiteral("lobby");
    message.node = fromNode;
    m_tracker->recordReceived(pane, message, m_now + 5, false);
}

void tst_DemoMatrix::settle()
{
    m_now += 2000;
    m_tracker->updateTimeouts();
    QVERIFY(m_tracker->isSettled());
}

void tst_DemoMatrix::offKeepsItsPromise()
{
    const QList<int> rows {
        send("a", "node-9090", BackplaneMode::Off), send("b", "node-9091", BackplaneMode::Off)};
    receive("pane-node-9090", "a", "node-9090");
    receive("pane-node-9091", "b", "node-9091");
    settle();
    QVERIFY(DemoMatrix::passed(*m_tracker, rows));
    const QString text = DemoMatrix::text(*m_tracker, rows, BackplaneMode::Off, false);
    QVERIFY2(text.contains(u"✓") && text.contains(u"✗"), qPrintable(text));
    // The empty cells are what off promises: no cell is marked.
    QVERIFY2(!text.contains(u"✓ !") && !text.contains(u"✗ !"), qPrintable(text));
    QVERIFY2(text.contains(u"2 of 2 messages as promised — PASS"), qPrintable(text));
    QVERIFY(text.contains(u"node-9090") && text.contains(u"node-9091"));
    QVERIFY(!text.contains(u"\x1b[")); // no colour when asked for none
    const QJsonObject json = DemoMatrix::json(*m_tracker, rows, BackplaneMode::Off);
    QCOMPARE(json.value(u"mode").toString(), QStringLiteral("off"));
    QVERIFY(json.value(u"ok").toBool());
    const QJsonArray messages = json.value(u"messages").toArray();
    QCOMPARE(messages.size(), 2);
    const QJsonArray cells = messages.at(0).toObject().value(u"cells").toArray();
    QCOMPARE(cells.at(0).toObject().value(u"state").toString(), QStringLiteral("delivered"));
    QCOMPARE(cells.at(1).toObject().value(u"state").toString(), QStringLiteral("not-expected"));
}

void tst_DemoMatrix::offThatCrossesIsBroken()
{
    const QList<int> rows {send("a", "node-9090", BackplaneMode::Off)};
    receive("pane-node-9090", "a", "node-9090");
    receive("pane-node-9091", "a", "node-9090"); // off must not cross
    settle();
    QVERIFY(!DemoMatrix::passed(*m_tracker, rows));
    const QString text = DemoMatrix::text(*m_tracker, rows, BackplaneMode::Off, true);
    QVERIFY2(text.contains(u"✓ !"), qPrintable(text));
    QVERIFY2(text.contains(u"FAIL (1 cells broke the promise)"), qPrintable(text));
    QVERIFY(text.contains(u"\x1b[38;5;"));
}

void tst_DemoMatrix::pubsubMissingCellIsBroken()
{
    const QList<int> rows {send("a", "node-9090", BackplaneMode::PubSub),
        send("b", "node-9091", BackplaneMode::PubSub)};
    receive("pane-node-9090", "a", "node-9090");
    receive("pane-node-9091", "a", "node-9090");
    receive("pane-node-9091", "b", "node-9091");
    settle();
    QVERIFY(!DemoMatrix::passed(*m_tracker, rows));
    const QString text = DemoMatrix::text(*m_tracker, rows, BackplaneMode::PubSub, false);
    QVERIFY2(text.contains(u"✗ !"), qPrintable(text));
    QVERIFY2(text.contains(u"1 of 2 messages as promised"), qPrintable(text));
    QVERIFY(!DemoMatrix::json(*m_tracker, rows, BackplaneMode::PubSub).value(u"ok").toBool());
}

void tst_DemoMatrix::noRowsIsNoPass()
{
    QVERIFY(!DemoMatrix::passed(*m_tracker, {}));
}

QTEST_GUILESS_MAIN(tst_DemoMatrix)
#include "tst_demomatrix.moc"
