#include "client/pendinginvocations_p.h"
#include "protocol/hubmessage.h"

#include <QTest>

using namespace farmchat;

class tst_PendingInvocations : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void completeRunsOnce();
    void failAllOldestFirstAndReentrant();
    void timeoutThenCompletionIgnored();
    void destructionDropsCallbacks();
};

void tst_PendingInvocations::completeRunsOnce()
{
    PendingInvocations pending;
    int calls = 0;
    QJsonValue seen;
    const QString id = pending.add(
        QStringLiteral("M"),
        [&](const Result<QJsonValue> &r) {
            ++calls;
            QVERIFY(r.ok());
            seen = r.value();
        },
        0);
    QCOMPARE(pending.count(), 1);
    QVERIFY(!pending.complete(HubMessage::completionResult(QStringLiteral("nope"), 1)));
    QVERIFY(pending.complete(HubMessage::completionResult(id, 42)));
    QVERIFY(!pending.complete(HubMessage::completionResult(id, 43)));
    QCOMPARE(calls, 1);
    QCOMPARE(seen.toInt(), 42);
    QCOMPARE(pending.count(), 0);
}

void tst_PendingInvocations::failAllOldestFirstAndReentrant()
{
    PendingInvocations pending;
    QStringList order;
    for (int i = 0; i < 12; ++i) {
        pending.add(
            QStringLiteral("M%1").arg(i),
            [&, i](const Result<QJsonValue> &r) {
                order.append(QString::number(i));
                QVERIFY(!r.ok());
                QCOMPARE(r.error(), QStringLiteral("gone"));
                if (i == 0)
                    pending.add(QStringLiteral("again"), {}, 0); // a callback that invokes again
            },
            0);
    }
    pending.failAll(QStringLiteral("gone"));
    QCOMPARE(order.size(), 12);
    QCOMPARE(order.first(), QStringLiteral("0"));
    QCOMPARE(order.at(10), QStringLiteral("10")); // numeric, not string, order
    QCOMPARE(pending.count(), 1); // the one added during failAll waits
}

void tst_PendingInvocations::timeoutThenCompletionIgnored()
{
    PendingInvocations pending;
    int calls = 0;
    QString error;
    const QString id = pending.add(
        QStringLiteral("Slow"),
        [&](const Result<QJsonValue> &r) {
            ++calls;
            QVERIFY(!r.ok());
            error = r.error();
        },
        50);
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, 2000);
    QCOMPARE(error, QStringLiteral("the server did not answer 'Slow' within 50 ms"));
    QVERIFY(!pending.complete(HubMessage::completion(id)));
    QCOMPARE(calls, 1);
}

void tst_PendingInvocations::destructionDropsCallbacks()
{
    int calls = 0;
    {
        PendingInvocations pending;
        pending.add(
            QStringLiteral("M"), [&](const Result<QJsonValue> &) { ++calls; }, 10);
    }
    QTest::qWait(50);
    QCOMPARE(calls, 0);
}

QTEST_GUILESS_MAIN(tst_PendingInvocations)
#include "tst_pendinginvocations.moc"
