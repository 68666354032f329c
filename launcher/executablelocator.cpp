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

QStringList ExecutableLocator::nodeBinaryCandidates(const QString &applicationDir)
{
    const QDir dir(applicationDir);
    const QString name = QStringLiteral("farmchat-node") + kExeSuffix;
    return {QDir::cleanPath(dir.filePath(name)),
        QDir::cleanPath(dir.filePath(QStringLiteral("../libexec/farmchat/") + name)),
        QDir::cleanPath(dir.filePath(QStringLiteral("../server/") + name))};
}

Result<QString> ExecutableLocator::nodeBinary()
{
    const QString fromEnv = qEnvironmentVariable("FARMCHAT_NODE_BIN");
    if (!fromEnv.isEmpty()) {
        if (isExecutableFile(fromEnv))
            return QFileInfo(fromEnv).absoluteFilePath();
        return Result<QString>::failure(
            QStringLiteral("FARMCHAT_NODE_BIN=%1 is not an executable file").arg(fromEnv));
    }
    const QStringList candidates = nodeBinaryCandidates(QCoreApplication::applicationDirPath());
    for (const QString &candidate : candidates) {
        if (isExecutableFile(candidate))
            return candidate;
    }
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("farmchat-node"));
    if (!onPath.isEmpty())
        return onPath;
    return Result<QString>::failure(
        QStringLiteral("farmchat-node not found (looked in %1 and PATH); set FARMCHAT_NODE_BIN")
            .arg(candidates.join(QStringLiteral(", "))));
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
