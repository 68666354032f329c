// The farmchat binary as a user runs it: --version and --help without a
// display, --autostart brings a farm up, and whether the app is closed
// politely (SIGTERM) or killed (SIGKILL), no node, redis-server or haproxy
// outlives it.
#include "appfarmfixture.h"

#include "launcher/executablelocator.h"

#include "tests/support/testhttp.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace farmchat;

namespace {

QString appBinary()
{
    return qEnvironmentVariable("FARMCHAT_APP_BIN");
}

// Direct children of `pid`, from /proc (Linux).
QList<qint64> childrenOf(qint64 pid)
{
    QList<qint64> children;
    const QStringList entries
        = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 candidate = entry.toLongLong(&ok);
        if (!ok)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(candidate));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toLongLong() == pid)
            children << candidate;
    }
    return children;
}

// Every process below `pid`: its children, theirs, and so on.
QList<qint64> descendantsOf(qint64 pid)
{
    QList<qint64> all = childrenOf(pid);
    for (qsizetype i = 0; i < all.size(); ++i)
        all << childrenOf(all.at(i));
    return all;
}

QByteArray commandName(qint64 pid)
{
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    return comm.open(QIODevice::ReadOnly) ? comm.readAll().trimmed() : QByteArray();
}

} // namespace

class tst_AppProcess : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void versionAndHelpWithoutDisplay();
    void usageError();
    void noProcessOutlivesTheApp_data();
    void noProcessOutlivesTheApp();
};

void tst_AppProcess::initTestCase()
{
    QVERIFY2(QFile::exists(appBinary()), "FARMCHAT_APP_BIN is not set; run through ctest");
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
}

void tst_AppProcess::versionAndHelpWithoutDisplay()
{
    for (const QString &flag : {QStringLiteral("--version"), QStringLiteral("--help")}) {
        QProcess app;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        app.setProcessEnvironment(env);
        app.start(appBinary(), {flag});
        QVERIFY(app.waitForFinished(10000));
        QCOMPARE(app.exitCode(), 0);
        const QByteArray out = app.readAllStandardOutput();
        if (flag == QLatin1String("--version"))
            QCOMPARE(out, QByteArray("farmchat 0.1.0\n"));
        else
            QVERIFY(out.contains("--autostart"));
    }
}

void tst_AppProcess::usageError()
{
    QProcess app;
    app.start(appBinary(), {QStringLiteral("--backplane"), QStringLiteral("telepathy")});
    QVERIFY(app.waitForFinished(10000));
    QCOMPARE(app.exitCode(), 2);
    QVERIFY(app.readAllStandardError().contains("--backplane"));
}

void tst_AppProcess::noProcessOutlivesTheApp_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<QString>("lb"); // the load-balancer policy, "none" for none
    QTest::addRow("closed (SIGTERM)") << int(SIGTERM) << QStringLiteral("none");
    QTest::addRow("killed (SIGKILL)") << int(SIGKILL) << QStringLiteral("none");
    QTest::addRow("closed with load balancer (SIGTERM)")
        << int(SIGTERM) << QStringLiteral("sticky");
    QTest::addRow("killed with load balancer (SIGKILL)")
        << int(SIGKILL) << QStringLiteral("sticky");
}

void tst_AppProcess::noProcessOutlivesTheApp()
{
    QFETCH(int, signal);
    QFETCH(QString, lb);
    const bool balanced = lb != u"none";
    if (balanced) {
        // Found as the app finds it ($FARMCHAT_HAPROXY, PATH, /usr/sbin); missing is a failure.
        const Result<QString> haproxy = ExecutableLocator::haproxy({});
        QVERIFY2(haproxy.ok(), qPrintable(haproxy.ok() ? QString() : haproxy.error()));
    }
    QTemporaryDir config;
    QTemporaryDir tmp; // the app's TMPDIR: a normal stop must leave it empty
    const quint16 base = test::freePortRun(2);
    QVERIFY(base != 0);
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path()); // never the user's settings
    env.insert(QStringLiteral("TMPDIR"), tmp.path());
    // Else Qt makes its runtime dir fallback in TMPDIR; that one is not the farm's.
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), config.path());
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(appBinary(),
        {QStringLiteral("--autostart"), QStringLiteral("--nodes"), QStringLiteral("2"),
            QStringLiteral("--base-port"), QString::number(base), QStringLiteral("--backplane"),
            QStringLiteral("pubsub"), QStringLiteral("--lb"), lb});
    QVERIFY(app.waitForStarted(10000));
    QList<qint64> children;
    const auto cleanup = qScopeGuard([&app, &children] {
        if (app.state() != QProcess::NotRunning) {
            app.kill();
            app.waitForFinished(5000);
        }
        // A failed check must not leave the farm running for the next test.
        for (const qint64 pid : std::as_const(children)) {
            if (test::processAlive(pid))
                ::kill(pid_t(pid), SIGKILL);
        }
    });
    // Both nodes answer: the farm is up.
    for (int i = 0; i < 2; ++i) {
        const QUrl health(QStringLiteral("http://127.0.0.1:%1/health").arg(base + i));
        QTRY_VERIFY_WITH_TIMEOUT(
            test::httpRequest("GET", health, {}, {}, 1000).status == 200, 30000);
    }
    // redis + 2 nodes, and haproxy in front of them with a load balancer.
    const auto runsFarm = [&children, balanced] {
        bool haproxy = false;
        for (const qint64 pid : std::as_const(children))
            haproxy = haproxy || commandName(pid) == "haproxy";
        return children.size() >= (balanced ? 4 : 3) && haproxy == balanced;
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        (children = descendantsOf(app.processId()), runsFarm()), balanced ? 30000 : 10000);
    QStringList names;
    for (const qint64 pid : std::as_const(children)) {
        QVERIFY(test::processAlive(pid));
        names << QString::fromLocal8Bit(commandName(pid));
    }
    qInfo("app pid %lld runs %lld processes: %s", app.processId(), qint64(children.size()),
        qPrintable(names.join(u' ')));

    ::kill(pid_t(app.processId()), signal);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(app.waitForFinished(15000));
    if (signal == SIGTERM) {
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
    }
    // Killed, the app cannot stop its children: they must die with it, at
    // once (within 2 s). Stopped, it stops them itself (up to 3 s grace each).
    const int bound = signal == SIGKILL ? 2000 : 10000;
    for (const qint64 pid : std::as_const(children))
        QTRY_VERIFY2_WITH_TIMEOUT(!test::processAlive(pid),
            qPrintable(QStringLiteral("child %1 (%2) outlived the app")
                           .arg(pid)
                           .arg(QString::fromLocal8Bit(commandName(pid)))),
            bound);
    qInfo("all %lld children gone %lld ms after the app got signal %d", qint64(children.size()),
        clock.elapsed(), signal);
    if (signal == SIGTERM) {
        const QStringList left
            = QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(u' ')));
    }
}

QTEST_GUILESS_MAIN(tst_AppProcess)
#include "tst_appprocess.moc"
