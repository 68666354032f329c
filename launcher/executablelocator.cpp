#include "launcher/executablelocator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace farmchat {

namespace {

#ifdef Q_OS_WIN
const QString kExeSuffix = QStringLiteral(".exe");
#else
const QString kExeSuffix;
#endif

bool isExecutableFile(const QString &path)
{
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable();
}

// ID and ID_LIKE from /etc/os-release (values may be quoted).
void readOsRelease(QString *id, QStringList *idLike)
{
    QFile file(QStringLiteral("/etc/os-release"));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0)
            continue;
        QString value = line.mid(eq + 1);
        value.remove(u'"').remove(u'\'');
        const QStringView key = QStringView(line).left(eq);
        if (key == u"ID")
            *id = value;
        else if (key == u"ID_LIKE")
            *idLike = value.split(u' ', Qt::SkipEmptyParts);
    }
}

} // namespace

QStringList ExecutableLocator::nodeBinaryCandidates(const QString &applicationDir, NodeKind kind)
{
    const QDir dir(applicationDir);
    const QString name = nodeKindProgram(kind) + kExeSuffix;
    const QString buildTree = kind == NodeKind::AspNetCore ? QStringLiteral("../peers/aspnetcore/")
                                                           : QStringLiteral("../server/");
    return {QDir::cleanPath(dir.filePath(name)),
        QDir::cleanPath(dir.filePath(QStringLiteral("../libexec/farmchat/") + name)),
        QDir::cleanPath(dir.filePath(buildTree + name))};
}

Result<QString> ExecutableLocator::nodeBinary()
{
    return nodeBinary(NodeKind::FarmChat);
}

Result<QString> ExecutableLocator::nodeBinary(NodeKind kind)
{
    const bool aspNetCore = kind == NodeKind::AspNetCore;
    const char *variable = aspNetCore ? "FARMCHAT_ASPNETCORE_NODE_BIN" : "FARMCHAT_NODE_BIN";
    const QString fromEnv = qEnvironmentVariable(variable);
    if (!fromEnv.isEmpty()) {
        if (isExecutableFile(fromEnv))
            return QFileInfo(fromEnv).absoluteFilePath();
        return Result<QString>::failure(QStringLiteral("%1=%2 is not an executable file")
                                            .arg(QLatin1StringView(variable), fromEnv));
    }
    const QStringList candidates
        = nodeBinaryCandidates(QCoreApplication::applicationDirPath(), kind);
    for (const QString &candidate : candidates) {
        if (isExecutableFile(candidate))
            return candidate;
    }
    const QString onPath = QStandardPaths::findExecutable(nodeKindProgram(kind));
    if (!onPath.isEmpty())
        return onPath;
    const QString notFound = QStringLiteral("%1 not found (looked in %2 and PATH); set %3")
                                 .arg(nodeKindProgram(kind), candidates.join(QStringLiteral(", ")),
                                     QLatin1StringView(variable));
    if (!aspNetCore)
        return Result<QString>::failure(notFound);
    return Result<QString>::failure(notFound
        + QStringLiteral(". The ASP.NET Core node is built with the .NET SDK 10 "
                         "(apt-get install dotnet-sdk-10.0, then scripts/build-dotnet.sh)"));
}

Result<QString> ExecutableLocator::redisServer(const QString &explicitPath)
{
    const QString advice
        = QStringLiteral("; install it: %1 (or pass --redis-server PATH or --redis-url URL)")
              .arg(redisInstallHint());
    if (!explicitPath.isEmpty()) {
        if (isExecutableFile(explicitPath))
            return QFileInfo(explicitPath).absoluteFilePath();
        return Result<QString>::failure(
            QStringLiteral("redis-server not found: --redis-server %1 is not an executable file")
                .arg(explicitPath)
            + advice);
    }
    const QString fromEnv = qEnvironmentVariable("FARMCHAT_REDIS_SERVER");
    if (!fromEnv.isEmpty()) {
        if (isExecutableFile(fromEnv))
            return QFileInfo(fromEnv).absoluteFilePath();
        return Result<QString>::failure(
            QStringLiteral(
                "redis-server not found: FARMCHAT_REDIS_SERVER=%1 is not an executable file")
                .arg(fromEnv)
            + advice);
    }
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (!onPath.isEmpty())
        return onPath;
    return Result<QString>::failure(QStringLiteral("redis-server not found on PATH") + advice);
}

Result<QString> ExecutableLocator::haproxy(const QString &explicitPath)
{
    const QString advice = QStringLiteral("; install it: %1 (or pass --haproxy PATH, or --lb none)")
                               .arg(haproxyInstallHint());
    if (!explicitPath.isEmpty()) {
        if (isExecutableFile(explicitPath))
            return QFileInfo(explicitPath).absoluteFilePath();
        return Result<QString>::failure(
            QStringLiteral("haproxy not found: --haproxy %1 is not an executable file")
                .arg(explicitPath)
            + advice);
    }
    const QString fromEnv = qEnvironmentVariable("FARMCHAT_HAPROXY");
    if (!fromEnv.isEmpty()) {
        if (isExecutableFile(fromEnv))
            return QFileInfo(fromEnv).absoluteFilePath();
        return Result<QString>::failure(
            QStringLiteral("haproxy not found: FARMCHAT_HAPROXY=%1 is not an executable file")
                .arg(fromEnv)
            + advice);
    }
    QString found = QStandardPaths::findExecutable(QStringLiteral("haproxy"));
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(QStringLiteral("haproxy"),
            {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin")});
    if (!found.isEmpty())
        return found;
    return Result<QString>::failure(QStringLiteral("haproxy not found on PATH") + advice);
}

QString ExecutableLocator::haproxyInstallHint()
{
    // Every distribution the Redis hint knows packages it under this name.
    QString hint = redisInstallHint();
#if defined(Q_OS_LINUX) || defined(Q_OS_MACOS)
    if (hint.contains(u"redis-server"))
        hint.replace(QStringLiteral("redis-server"), QStringLiteral("haproxy"));
    else
        hint.replace(QStringLiteral("redis"), QStringLiteral("haproxy"));
    return hint;
#else
    Q_UNUSED(hint);
    return QStringLiteral("HAProxy from https://www.haproxy.org/ or inside WSL");
#endif
}

QString ExecutableLocator::redisInstallHintForLinux(const QString &id, const QStringList &idLike)
{
    QStringList ids {id.toLower()};
    for (const QString &like : idLike)
        ids << like.toLower();
    for (const QString &d : ids) {
        if (d == u"debian" || d == u"ubuntu")
            return QStringLiteral("sudo apt-get install redis-server");
        if (d == u"fedora" || d == u"rhel" || d == u"centos")
            return QStringLiteral("sudo dnf install redis");
        if (d == u"arch")
            return QStringLiteral("sudo pacman -S redis");
        if (d == u"opensuse" || d == u"suse")
            return QStringLiteral("sudo zypper install redis");
        if (d == u"alpine")
            return QStringLiteral("sudo apk add redis");
    }
    return QStringLiteral(
        "your distribution's redis package (e.g. sudo apt-get install redis-server)");
}

QString ExecutableLocator::redisInstallHint()
{
#if defined(Q_OS_MACOS)
    return QStringLiteral("brew install redis");
#elif defined(Q_OS_WIN)
    return QStringLiteral("Memurai (https://www.memurai.com/) or redis-server inside WSL");
#elif defined(Q_OS_LINUX)
    QString id;
    QStringList idLike;
    readOsRelease(&id, &idLike);
    return redisInstallHintForLinux(id, idLike);
#else
    return QStringLiteral("the redis package of your system");
#endif
}

} // namespace farmchat
