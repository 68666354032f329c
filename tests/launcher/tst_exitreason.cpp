#include "launcher/exitreason_p.h"

#include <QTest>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

using namespace farmchat;

class tst_ExitReason : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void describe_data();
    void describe();
};

void tst_ExitReason::describe_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("crash");
    QTest::addColumn<QString>("lastLine");
    QTest::addColumn<QString>("text");
    QTest::addRow("clean") << 0 << false << "bye"
                           << "exit code 0";
    QTest::addRow("failure says why") << 3 << false << "port 9090 in use"
                                      << "exit code 3: port 9090 in use";
    QTest::addRow("failure, no output") << 1 << false << ""
                                        << "exit code 1";
    QTest::addRow("why is trimmed") << 2 << false << "  usage  "
                                    << "exit code 2: usage";
#ifdef Q_OS_UNIX
    QTest::addRow("sigkill") << int(SIGKILL) << true << "serving"
                             << "killed by SIGKILL";
    QTest::addRow("sigterm") << int(SIGTERM) << true << ""
                             << "killed by SIGTERM";
    QTest::addRow("segv") << int(SIGSEGV) << true << ""
                          << "crashed (SIGSEGV)";
    QTest::addRow("abort") << int(SIGABRT) << true << ""
                           << "crashed (SIGABRT)";
    QTest::addRow("unknown signal") << 63 << true << ""
                                    << "crashed (signal 63)";
#endif
}

void tst_ExitReason::describe()
{
    QFETCH(int, code);
    QFETCH(bool, crash);
    QFETCH(QString, lastLine);
    QFETCH(QString, text);
    QCOMPARE(
        describeExit(code, crash ? QProcess::CrashExit : QProcess::NormalExit, lastLine), text);
}

QTEST_GUILESS_MAIN(tst_ExitReason)
#include "tst_exitreason.moc"
