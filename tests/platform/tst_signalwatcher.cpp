#include "platform/signalwatcher.h"

#include <QSignalSpy>
#include <QTest>

#include <csignal>

using namespace farmchat;

class tst_SignalWatcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void deliversOnTheEventLoop_data();
    void deliversOnTheEventLoop();
};

void tst_SignalWatcher::deliversOnTheEventLoop_data()
{
    QTest::addColumn<int>("number");
    QTest::addColumn<QString>("name");
    QTest::addRow("SIGTERM") << int(SIGTERM) << "SIGTERM";
    QTest::addRow("SIGINT") << int(SIGINT) << "SIGINT";
    QTest::addRow("SIGHUP") << int(SIGHUP) << "SIGHUP";
}

void tst_SignalWatcher::deliversOnTheEventLoop()
{
    QFETCH(int, number);
    SignalWatcher watcher;
    QSignalSpy spy(&watcher, &SignalWatcher::terminationRequested);
    // Without the watcher these signals would end the test process.
    std::raise(number);
    QCOMPARE(spy.count(), 0); // never inside the handler: only from the event loop
    QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 5000);
    QTEST(spy.at(0).at(0).toString(), "name");
}

QTEST_GUILESS_MAIN(tst_SignalWatcher)
#include "tst_signalwatcher.moc"
