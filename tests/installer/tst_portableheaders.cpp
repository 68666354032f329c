// Guards the portability rule: OS-specific headers live only in platform/
// (one file per platform per concern) and bench/ (whose load generator is
// Linux/epoll by design). Everything else must build on Linux, macOS and
// Windows with plain Qt and the C++ standard library.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

namespace {

// Headers that exist on only some of the three platforms. <signal.h> is ISO C
// but in practice means sigaction/kill; <csignal>'s std::signal is portable.
const QStringList &nonPortableHeaders()
{
    static const QStringList headers {// POSIX
        QStringLiteral("unistd.h"), QStringLiteral("signal.h"), QStringLiteral("fcntl.h"),
        QStringLiteral("pthread.h"), QStringLiteral("poll.h"), QStringLiteral("dirent.h"),
        QStringLiteral("netdb.h"), QStringLiteral("termios.h"), QStringLiteral("dlfcn.h"),
        QStringLiteral("pwd.h"), QStringLiteral("grp.h"), QStringLiteral("spawn.h"),
        QStringLiteral("syslog.h"), QStringLiteral("sched.h"), QStringLiteral("strings.h"),
        QStringLiteral("ifaddrs.h"), QStringLiteral("libproc.h"),
        // Win32
        QStringLiteral("windows.h"), QStringLiteral("winsock2.h"), QStringLiteral("ws2tcpip.h"),
        QStringLiteral("winsock.h"), QStringLiteral("windef.h"), QStringLiteral("winbase.h"),
        QStringLiteral("winnt.h"), QStringLiteral("winuser.h"), QStringLiteral("iphlpapi.h"),
        QStringLiteral("tlhelp32.h"), QStringLiteral("psapi.h"), QStringLiteral("shellapi.h"),
        QStringLiteral("io.h"), QStringLiteral("process.h"), QStringLiteral("direct.h"),
        QStringLiteral("conio.h"), QStringLiteral("qt_windows.h")};
    return headers;
}

// Whole directories of headers that belong to one OS family.
const QStringList &nonPortablePrefixes()
{
    static const QStringList prefixes {QStringLiteral("sys/"), QStringLiteral("netinet/"),
        QStringLiteral("arpa/"), QStringLiteral("linux/"), QStringLiteral("mach/"),
        QStringLiteral("mach-o/"), QStringLiteral("CoreFoundation/"), QStringLiteral("Carbon/"),
        QStringLiteral("Cocoa/"), QStringLiteral("IOKit/"), QStringLiteral("Foundation/")};
    return prefixes;
}

// The non-portable header `line` includes, or an empty string.
QString nonPortableInclude(const QString &line)
{
    static const QRegularExpression include(
        QStringLiteral("^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]"));
    const QRegularExpressionMatch match = include.match(line);
    if (!match.hasMatch())
        return {};
    const QString header = match.captured(1).trimmed();
    if (nonPortableHeaders().contains(header, Qt::CaseInsensitive))
        return header;
    for (const QString &prefix : nonPortablePrefixes()) {
        if (header.startsWith(prefix, Qt::CaseInsensitive))
            return header;
    }
    return {};
}

bool isSourceFile(const QString &name)
{
    static const QStringList suffixes {QStringLiteral(".h"), QStringLiteral(".hpp"),
        QStringLiteral(".cpp"), QStringLiteral(".cc"), QStringLiteral(".c"), QStringLiteral(".mm"),
        QStringLiteral(".h.in")};
    for (const QString &suffix : suffixes) {
        if (name.endsWith(suffix))
            return true;
    }
    return false;
}

// Folders that are not scanned: the platform layer and the Linux-only
// benchmark by rule, build trees (they hold CMakeCache.txt), vendored npm
// packages and VCS metadata.
bool isExcludedDir(const QString &relativePath, const QFileInfo &info)
{
    const QString name = info.fileName();
    if (relativePath == u"platform" || relativePath == u"bench")
        return true;
    if (name.startsWith(u'.') || name == u"node_modules")
        return true;
    return QFileInfo::exists(info.absoluteFilePath() + QStringLiteral("/CMakeCache.txt"));
}

struct ScanResult
{
    QStringList violations; // "file:line: <header>"
    QStringList scannedFiles;
};

void scanDirectory(const QDir &root, const QString &relativeDir, ScanResult *result)
{
    const QDir dir(root.filePath(relativeDir));
    const QFileInfoList entries = dir.entryInfoList(
        QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
    for (const QFileInfo &entry : entries) {
        const QString relative = root.relativeFilePath(entry.absoluteFilePath());
        if (entry.isDir()) {
            if (!entry.isSymLink() && !isExcludedDir(relative, entry))
                scanDirectory(root, relative, result);
            continue;
        }
        if (!isSourceFile(entry.fileName()))
            continue;
        QFile file(entry.absoluteFilePath());
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            result->violations << relative + QStringLiteral(": cannot be read");
            continue;
        }
        result->scannedFiles << relative;
        int lineNumber = 0;
        while (!file.atEnd()) {
            ++lineNumber;
            const QString header = nonPortableInclude(QString::fromUtf8(file.readLine()));
            if (!header.isEmpty()) {
                result->violations << QStringLiteral("%1:%2: #include <%3> (move it behind an "
                                                     "interface in platform/)")
                                          .arg(relative)
                                          .arg(lineNumber)
                                          .arg(header);
            }
        }
    }
}

} // namespace

class tst_PortableHeaders : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void detectsInclude_data();
    void detectsInclude();
    void sourceTreeUsesNoPlatformHeaders();
};

void tst_PortableHeaders::detectsInclude_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("flagged");

    QTest::addRow("unistd") << "#include <unistd.h>"
                            << "unistd.h";
    QTest::addRow("spaces after hash") << "#  include <sys/socket.h>"
                                       << "sys/socket.h";
    QTest::addRow("indented") << "    #include <windows.h>"
                              << "windows.h";
    QTest::addRow("quoted") << "#include \"signal.h\""
                            << "signal.h";
    QTest::addRow("case-insensitive win32") << "#include <Windows.h>"
                                            << "Windows.h";
    QTest::addRow("netinet") << "#include <netinet/in.h>"
                             << "netinet/in.h";
    QTest::addRow("mach") << "#include <mach-o/dyld.h>"
                          << "mach-o/dyld.h";
    QTest::addRow("winsock") << "#include <winsock2.h> // sockets"
                             << "winsock2.h";
    QTest::addRow("Qt header") << "#include <QProcess>"
                               << "";
    QTest::addRow("std header") << "#include <csignal>"
                                << "";
    QTest::addRow("project header") << "#include \"platform/processguard.h\""
                                    << "";
    QTest::addRow("similar name") << "#include \"server/systemclock.h\""
                                  << "";
    QTest::addRow("comment mentions it") << "// needs <unistd.h> on POSIX"
                                         << "";
    QTest::addRow("string mentions it") << "const char *h = \"#include <unistd.h>\";"
                                        << "";
}

void tst_PortableHeaders::detectsInclude()
{
    QFETCH(QString, line);
    QFETCH(QString, flagged);
    QCOMPARE(nonPortableInclude(line), flagged);
}

void tst_PortableHeaders::sourceTreeUsesNoPlatformHeaders()
{
    const QString sourceDir = qEnvironmentVariable("FARMCHAT_SOURCE_DIR");
    QVERIFY2(!sourceDir.isEmpty(), "FARMCHAT_SOURCE_DIR is not set (run through ctest)");
    const QDir root(sourceDir);
    QVERIFY2(root.exists(QStringLiteral("CMakeLists.txt")), qPrintable(sourceDir));

    ScanResult result;
    scanDirectory(root, QString(), &result);

    // The scan must have seen the real tree, not an empty or wrong folder.
    QVERIFY2(result.scannedFiles.contains(QStringLiteral("protocol/chatmessage.cpp")),
        "protocol/chatmessage.cpp was not scanned");
    QVERIFY2(
        result.scannedFiles.contains(QStringLiteral("tests/installer/tst_portableheaders.cpp")),
        "the tests folder was not scanned");
    for (const QString &file : std::as_const(result.scannedFiles)) {
        QVERIFY2(!file.startsWith(QStringLiteral("platform/")), qPrintable(file));
    }
    QVERIFY2(result.scannedFiles.size() >= 20,
        qPrintable(QStringLiteral("only %1 files scanned").arg(result.scannedFiles.size())));
    qInfo("scanned %lld source files outside platform/ and bench/",
        static_cast<long long>(result.scannedFiles.size()));

    QVERIFY2(result.violations.isEmpty(),
        qPrintable(QStringLiteral("\n") + result.violations.join(u'\n')));
}

QTEST_GUILESS_MAIN(tst_PortableHeaders)
#include "tst_portableheaders.moc"
