#include "launcher/executablelocator.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

// Finding redis-server and farmchat-node, and the one line a user gets when
// redis-server is missing.
class tst_ExecutableLocator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void installHints_data();
    void installHints();
    void explicitRedisPathWins();
    void wrongExplicitPathIsAnErrorNotAGuess();
    void missingRedisIsOneLineWithTheFix();
    void nodeBinaryOverride();
    void nodeCandidatesAreRelativeToTheExecutable();
    void aspNetCoreNodeMissingSaysHowToBuildIt();

private:
    QByteArray m_path;
    QByteArray m_redisServer;
    QByteArray m_nodeBin;
    QByteArray m_aspNetCoreNodeBin;
};

void tst_ExecutableLocator::init()
{
    m_path = qgetenv("PATH");
    m_redisServer = qgetenv("FARMCHAT_REDIS_SERVER");
    m_nodeBin = qgetenv("FARMCHAT_NODE_BIN");
    m_aspNetCoreNodeBin = qgetenv("FARMCHAT_ASPNETCORE_NODE_BIN");
}

void tst_ExecutableLocator::cleanup()
{
    qputenv("PATH", m_path);
    m_redisServer.isNull() ? qunsetenv("FARMCHAT_REDIS_SERVER")
                           : qputenv("FARMCHAT_REDIS_SERVER", m_redisServer);
    m_nodeBin.isNull() ? qunsetenv("FARMCHAT_NODE_BIN") : qputenv("FARMCHAT_NODE_BIN", m_nodeBin);
    m_aspNetCoreNodeBin.isNull() ? qunsetenv("FARMCHAT_ASPNETCORE_NODE_BIN")
                                 : qputenv("FARMCHAT_ASPNETCORE_NODE_BIN", m_aspNetCoreNodeBin);
}

void tst_ExecutableLocator::installHints_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QStringList>("idLike");
    QTest::addColumn<QString>("hint");
    QTest::addRow("debian") << "debian" << QStringList {} << "sudo apt-get install redis-server";
    QTest::addRow("ubuntu") << "ubuntu" << QStringList {"debian"}
                            << "sudo apt-get install redis-server";
    QTest::addRow("mint via like")
        << "linuxmint" << QStringList {"ubuntu", "debian"} << "sudo apt-get install redis-server";
    QTest::addRow("fedora") << "fedora" << QStringList {} << "sudo dnf install redis";
    QTest::addRow("rocky via like")
        << "rocky" << QStringList {"rhel", "centos", "fedora"} << "sudo dnf install redis";
    QTest::addRow("arch") << "arch" << QStringList {} << "sudo pacman -S redis";
    QTest::addRow("opensuse") << "opensuse-tumbleweed" << QStringList {"opensuse", "suse"}
                              << "sudo zypper install redis";
    QTest::addRow("alpine") << "alpine" << QStringList {} << "sudo apk add redis";
}

void tst_ExecutableLocator::installHints()
{
    QFETCH(QString, id);
    QFETCH(QStringList, idLike);
    QFETCH(QString, hint);
    QCOMPARE(ExecutableLocator::redisInstallHintForLinux(id, idLike), hint);
}

void tst_ExecutableLocator::explicitRedisPathWins()
{
    QTemporaryDir dir;
    const QString fake = dir.filePath(QStringLiteral("my-redis-server"));
    QFile file(fake);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\n");
    file.close();
    QVERIFY(file.setPermissions(file.permissions() | QFile::ExeOwner));
    qputenv("FARMCHAT_REDIS_SERVER", "/nonexistent");
    const auto found = ExecutableLocator::redisServer(fake);
    QVERIFY2(found.ok(), qPrintable(found.error()));
    QCOMPARE(found.value(), fake);
}

void tst_ExecutableLocator::wrongExplicitPathIsAnErrorNotAGuess()
{
    const auto flag = ExecutableLocator::redisServer(QStringLiteral("/nonexistent/redis-server"));
    QVERIFY(!flag.ok());
    QVERIFY(flag.error().contains(u"--redis-server /nonexistent/redis-server"));
    qputenv("FARMCHAT_REDIS_SERVER", "/nonexistent");
    const auto env = ExecutableLocator::redisServer({});
    QVERIFY(!env.ok());
    QVERIFY2(env.error().contains(u"FARMCHAT_REDIS_SERVER=/nonexistent"), qPrintable(env.error()));
}

void tst_ExecutableLocator::missingRedisIsOneLineWithTheFix()
{
    QTemporaryDir empty;
    qunsetenv("FARMCHAT_REDIS_SERVER");
    qputenv("PATH", empty.path().toLocal8Bit());
    const auto found = ExecutableLocator::redisServer({});
    QVERIFY(!found.ok());
    const QString error = found.error();
    QVERIFY(!error.contains(u'\n'));
    QVERIFY2(error.startsWith(u"redis-server not found"), qPrintable(error));
    QVERIFY2(error.contains(ExecutableLocator::redisInstallHint()), qPrintable(error));
    QVERIFY(error.contains(u"--redis-url"));
}

void tst_ExecutableLocator::nodeBinaryOverride()
{
    qputenv("FARMCHAT_NODE_BIN", "/nonexistent/farmchat-node");
    const auto wrong = ExecutableLocator::nodeBinary();
    QVERIFY(!wrong.ok());
    QVERIFY(wrong.error().contains(u"FARMCHAT_NODE_BIN"));
    const QString real = QString::fromLocal8Bit(m_nodeBin);
    if (!real.isEmpty()) {
        qputenv("FARMCHAT_NODE_BIN", m_nodeBin);
        const auto found = ExecutableLocator::nodeBinary();
        QVERIFY2(found.ok(), qPrintable(found.error()));
    }
}

void tst_ExecutableLocator::nodeCandidatesAreRelativeToTheExecutable()
{
    const QStringList candidates
        = ExecutableLocator::nodeBinaryCandidates(QStringLiteral("/opt/farmchat/bin"));
    QCOMPARE(candidates.size(), 3);
    QVERIFY(candidates[0].startsWith(u"/opt/farmchat/bin/farmchat-node"));
    QVERIFY(candidates[1].startsWith(u"/opt/farmchat/libexec/farmchat/farmchat-node"));
    QVERIFY(candidates[2].startsWith(u"/opt/farmchat/server/farmchat-node"));
}

void tst_ExecutableLocator::aspNetCoreNodeMissingSaysHowToBuildIt()
{
    const QStringList candidates = ExecutableLocator::nodeBinaryCandidates(
        QStringLiteral("/opt/farmchat/bin"), NodeKind::AspNetCore);
    QCOMPARE(candidates,
        (QStringList {"/opt/farmchat/bin/farmchat-aspnetcore-node",
            "/opt/farmchat/libexec/farmchat/farmchat-aspnetcore-node",
            "/opt/farmchat/peers/aspnetcore/farmchat-aspnetcore-node"}));

    qputenv("FARMCHAT_ASPNETCORE_NODE_BIN", "/nonexistent/farmchat-aspnetcore-node");
    const auto wrong = ExecutableLocator::nodeBinary(NodeKind::AspNetCore);
    QVERIFY(!wrong.ok());
    QVERIFY2(wrong.error().startsWith(u"FARMCHAT_ASPNETCORE_NODE_BIN=/nonexistent/"),
        qPrintable(wrong.error()));

    // Not next to this test, not in its build tree's folders, not on PATH.
    qunsetenv("FARMCHAT_ASPNETCORE_NODE_BIN");
    QTemporaryDir emptyPath;
    QVERIFY(emptyPath.isValid());
    qputenv("PATH", QFile::encodeName(emptyPath.path()));
    const auto missing = ExecutableLocator::nodeBinary(NodeKind::AspNetCore);
    QVERIFY(!missing.ok());
    const QString error = missing.error();
    QVERIFY2(error.startsWith(u"farmchat-aspnetcore-node not found"), qPrintable(error));
    QVERIFY2(error.contains(u"set FARMCHAT_ASPNETCORE_NODE_BIN"), qPrintable(error));
    QVERIFY2(error.contains(u".NET SDK") && error.contains(u"scripts/build-dotnet.sh"),
        qPrintable(error));
    QVERIFY(!error.contains(u'\n'));
}

QTEST_GUILESS_MAIN(tst_ExecutableLocator)
#include "tst_executablelocator.moc"
