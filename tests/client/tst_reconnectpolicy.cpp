#include "client/reconnectpolicy.h"

#include <QTest>

using namespace farmchat;

class tst_ReconnectPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void delays_data();
    void delays();
    void attempts_data();
    void attempts();
};

void tst_ReconnectPolicy::delays_data()
{
    QTest::addColumn<int>("base");
    QTest::addColumn<int>("cap");
    QTest::addColumn<double>("jitter");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<double>("random");
    QTest::addColumn<int>("expected");
    QTest::addRow("first attempt is immediate") << 500 << 10000 << 0.2 << 0 << 0.99 << 0;
    QTest::addRow("second waits the base") << 500 << 10000 << 0.0 << 1 << 0.5 << 500;
    QTest::addRow("doubles") << 500 << 10000 << 0.0 << 2 << 0.5 << 1000;
    QTest::addRow("doubles again") << 500 << 10000 << 0.0 << 4 << 0.5 << 4000;
    QTest::addRow("capped") << 500 << 10000 << 0.0 << 6 << 0.5 << 10000;
    QTest::addRow("capped forever") << 500 << 10000 << 0.0 << 1000 << 0.5 << 10000;
    QTest::addRow("jitter low end") << 500 << 10000 << 0.2 << 1 << 0.0 << 400;
    QTest::addRow("jitter high end") << 500 << 10000 << 0.2 << 1 << 1.0 << 600;
    QTest::addRow("jitter middle") << 500 << 10000 << 0.2 << 3 << 0.5 << 2000;
    QTest::addRow("jitter never passes the cap") << 500 << 10000 << 0.2 << 8 << 1.0 << 10000;
    QTest::addRow("jitter spreads below the cap") << 500 << 10000 << 0.2 << 8 << 0.0 << 8000;
    QTest::addRow("silly jitter is clamped") << 500 << 10000 << 7.0 << 1 << 0.0 << 0;
    QTest::addRow("negative base") << -5 << 10000 << 0.0 << 3 << 0.5 << 0;
}

void tst_ReconnectPolicy::delays()
{
    QFETCH(int, base);
    QFETCH(int, cap);
    QFETCH(double, jitter);
    QFETCH(int, attempt);
    QFETCH(double, random);
    QFETCH(int, expected);
    ReconnectPolicy policy;
    policy.baseDelayMs = base;
    policy.maxDelayMs = cap;
    policy.jitter = jitter;
    QCOMPARE(policy.delayMs(attempt, random), expected);
}

void tst_ReconnectPolicy::attempts_data()
{
    QTest::addColumn<bool>("enabled");
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<int>("attempt");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("forever") << true << -1 << 100000 << true;
    QTest::addRow("within limit") << true << 3 << 2 << true;
    QTest::addRow("at limit") << true << 3 << 3 << false;
    QTest::addRow("disabled") << false << -1 << 0 << false;
}

void tst_ReconnectPolicy::attempts()
{
    QFETCH(bool, enabled);
    QFETCH(int, maxAttempts);
    QFETCH(int, attempt);
    QFETCH(bool, allowed);
    ReconnectPolicy policy;
    policy.enabled = enabled;
    policy.maxAttempts = maxAttempts;
    QCOMPARE(policy.allowsAttempt(attempt), allowed);
}

QTEST_GUILESS_MAIN(tst_ReconnectPolicy)
#include "tst_reconnectpolicy.moc"
