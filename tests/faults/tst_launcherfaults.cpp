// The launcher when a node cannot run: a farmchat-node that dies the moment
// it starts (FARMCHAT_NODE_BIN pointing at a script that exits 1). With
// --keep-running it is restarted with capped back-off and every restart says
// why; without, the start fails at once with the node's own words. No storm,
// nothing left behind. (The launcher or app SIGKILLed: tst_launchercli and
// tst_appprocess, registered under this label in CMakeLists.txt.)
#include "launcher/crashrestarter_p.h"
#include "tests/support/testlauncher.h"
#include "tests/support/verifyresult.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;
using namespace farmchat::test;

namespace {

const QByteArray kWhy = "boom: this farmchat-node cannot start (test)";

// A node binary that prints why it fails and exits 1, at once.
QString writeCrashingNode(const QTemporaryDir &dir)
{
    const QString path = dir.filePath(QStringLiteral("farmchat-node"));
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly))
        return {};
    script.write("#!/bin/sh\necho '" + kWhy + "' >&2\nexit 1\n");
    script.close();
    script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

QList<QJsonObject> eventsNamed(const TestLauncher &run, const QString &name)
{
    QList<QJsonObject> out;
    for (const QJsonObject &event : run.events()) {
        if (event.value(u"event").toString() == name)
            out << event;
    }
    return out;
}

QStringList leftovers(const TestLauncher &run)
{
    return QDir(run.tempDir()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
}

} // namespace

class tst_LauncherFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN")),
            "FARMCHAT_LAUNCHER_BIN is not set: run this test through ctest");
        QVERIFY2(m_dir.isValid(), "cannot create a temp dir");
        m_crashingNode = writeCrashingNode(m_dir);
        QVERIFY(!m_crashingNode.isEmpty());
    }

    void crashingNodeRestartsWithBackoff()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FARMCHAT_NODE_BIN"), m_crashingNode);
        TestLauncher run(
            {QStringLiteral("--nodes"), QStringLiteral("1"), QStringLiteral("--base-port"),
                QStringLiteral("auto"), QStringLiteral("--json"), QStringLiteral("--keep-running")},
            env);
        FARMCHAT_VERIFY_OK(run.start());
        QElapsedTimer clock;
        clock.start();
        // Four restarts take 0.5 + 1 + 2 + 4 s of back-off.
        while (eventsNamed(run, QStringLiteral("restarting")).size() < 4 && clock.elapsed() < 20000)
            run.waitForEvent(QStringLiteral("no-such-event"), 200);
        const QList<QJsonObject> restarts = eventsNamed(run, QStringLiteral("restarting"));
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(restarts.size(), 4);
        int expected = CrashRestarter::kBackoff.firstDelayMs;
        for (const QJsonObject &restart : restarts) {
            QCOMPARE(restart.value(u"delayMs").toInt(), expected); // doubling, capped at 10 s
            const QString reason = restart.value(u"reason").toString();
            QVERIFY2(reason.contains(QLatin1String(kWhy)) && reason.contains(u"code 1"),
                qPrintable(reason)); // the user sees why, every time
            expected = qMin(expected * 2, CrashRestarter::kBackoff.maxDelayMs);
        }
        QVERIFY(eventsNamed(run, QStringLiteral("ready")).isEmpty());
        // No storm: five starts in those seconds, not thousands.
        int spawned = 0;
        for (const QJsonObject &log : eventsNamed(run, QStringLiteral("log")))
            spawned += log.value(u"line").toString().contains(QLatin1String(kWhy)) ? 1 : 0;
        QVERIFY2(spawned >= 4 && spawned <= 5, qPrintable(QString::number(spawned)));
        qInfo("FAULT node-crashes-on-start: %lld restarts scheduled in %lld ms with delays "
              "500/1000/2000/4000 ms, each with the node's reason",
            qint64(restarts.size()), elapsed);
        run.terminate();
        QVERIFY(run.waitForExit());
        QVERIFY2(leftovers(run).isEmpty(), qPrintable(leftovers(run).join(u' ')));
    }

    void crashingNodeFailsTheStartWithoutKeepRunning()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FARMCHAT_NODE_BIN"), m_crashingNode);
        TestLauncher run({QStringLiteral("--nodes"), QStringLiteral("2"),
                             QStringLiteral("--base-port"), QStringLiteral("auto")},
            env);
        FARMCHAT_VERIFY_OK(run.start());
        QVERIFY(run.waitForExit(15000));
        QCOMPARE(run.exitCode(), 1);
        QVERIFY2(run.err().contains("ended while starting") && run.err().contains(kWhy),
            run.err().constData());
        QVERIFY(!run.err().contains("restarts in"));
        // A failed start keeps the process logs for the user, and says where;
        // everything else (Redis' dir) is gone.
        const QStringList left = leftovers(run);
        QCOMPARE(left.size(), 1);
        QVERIFY(left.first().startsWith(u"farmchat-logs-"));
        QVERIFY2(run.err().contains("process logs kept in"), run.err().constData());
    }

private:
    QTemporaryDir m_dir;
    QString m_crashingNode;
};

QTEST_GUILESS_MAIN(tst_LauncherFaults)
#include "tst_launcherfaults.moc"
