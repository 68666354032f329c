#include "platform/processguard.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace farmchat;

namespace {

bool isAlive(qint64 pid)
{
    // A zombie still has a /proc entry; its state letter says Z.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close > 0 && line.size() > close + 2 && line.at(close + 2) != 'Z';
}

} // namespace

// The guard is what makes "no child outlives the launcher, even on SIGKILL"
// true. The test plays the launcher: a middle process (a shell that runs a
// grandchild through this very test binary in "guarded-parent" mode) is
// SIGKILLed and the grandchild must die with it.
class tst_ProcessGuard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void childDiesWithItsParent();
    void childGetsItsOwnProcessGroup();
};

void tst_ProcessGuard::childDiesWithItsParent()
{
#ifndef Q_OS_LINUX
    QSKIP("PR_SET_PDEATHSIG is Linux's; the macOS watcher is configured but not verified here");
#endif
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString pidFile = dir.filePath(QStringLiteral("grandchild.pid"));

    QProcess parent;
    parent.setProgram(QCoreApplication::applicationFilePath());
    parent.setArguments({QStringLiteral("--guarded-parent"), pidFile});
    parent.start();
    QVERIFY(parent.waitForStarted(5000));

    qint64 grandchild = 0;
    QElapsedTimer clock;
    clock.start();
    while (grandchild == 0 && clock.elapsed() < 10000) {
        QFile file(pidFile);
        if (file.open(QIODevice::ReadOnly))
            grandchild = file.readAll().trimmed().toLongLong();
        if (grandchild == 0)
            QTest::qWait(20);
    }
    QVERIFY2(grandchild > 0, "the guarded parent never started its child");
    QVERIFY(isAlive(grandchild));

    parent.kill(); // SIGKILL: no chance to clean up
    QVERIFY(parent.waitForFinished(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!isAlive(grandchild), 2000);
}

void tst_ProcessGuard::childGetsItsOwnProcessGroup()
{
    ProcessGuard guard;
    QProcess child;
    guard.prepare(child);
    child.start(
        QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("ps -o pgid= -p $$")});
    QVERIFY(child.waitForStarted(5000));
    guard.adopt(child);
    const qint64 pid = child.processId();
    QVERIFY(child.waitForFinished(5000));
    const qint64 group = child.readAllStandardOutput().trimmed().toLongLong();
    QCOMPARE(group, pid);
}

// In "--guarded-parent FILE" mode this binary is the middle process: it starts
// a long-running child through a ProcessGuard, writes the child's pid, and waits
// to be killed.
int main(int argc, char **argv)
{
    if (argc == 3 && qstrcmp(argv[1], "--guarded-parent") == 0) {
        QCoreApplication app(argc, argv);
        ProcessGuard guard;
        QProcess child;
        guard.prepare(child);
        child.start(QStringLiteral("/bin/sleep"), {QStringLiteral("60")});
        if (!child.waitForStarted(5000))
            return 1;
        guard.adopt(child);
        QFile file(QString::fromLocal8Bit(argv[2]));
        if (!file.open(QIODevice::WriteOnly))
            return 1;
        file.write(QByteArray::number(child.processId()));
        file.close();
        return app.exec();
    }
    QCoreApplication app(argc, argv);
    tst_ProcessGuard test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_processguard.moc"
