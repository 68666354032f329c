// Guards the portability rule: OS-specific headers live only in the platform
// folders (platform/, one file per platform per concern, and tests/platform/)
// and bench/ (whose load generator is Linux/epoll by design). Product code
// elsewhere must build on Linux, macOS and Windows with plain Qt and the C++
// standard library. Test code may include an OS header inside a platform
// conditional (#ifdef _WIN32 / Q_OS_UNIX ...), since the file still builds
// everywhere; product code may not: it goes behind an interface in platform/.

#include <QDir>
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

// Whether a preprocessor condition selects a platform (so what it guards is
// compiled only where the header exists).
bool namesPlatform(const QString &condition)
{
    static const QRegularExpression platformMacro(QStringLiteral(
        "\\b(_WIN32|_WIN64|WIN32|_MSC_VER|__MINGW32__|__linux__|__linux|__APPLE__|__MACH__|"
        "__unix__|__unix|__FreeBSD__|__OpenBSD__|__NetBSD__|Q_OS_[A-Z0-9_]+)\\b"));
    return platformMacro.match(condition).hasMatch();
}

// Non-portable includes in `text`, as "LINE: header". With `allowGuarded`, an
// include inside a platform conditional (any branch of it) is accepted.
QStringList findViolations(const QString &text, bool allowGuarded)
{
    static const QRegularExpression directive(QStringLiteral("^\\s*#\\s*(\\w+)(.*)$"));
    QStringList violations;
    QList<bool> platformGroups; // one entry per open #if group
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QRegularExpressionMatch match = directive.match(lines.at(i));
        if (!match.hasMatch())
            continue;
        const QString keyword = match.captured(1);
        const QString rest = match.captured(2);
        if (keyword == u"if" || keyword == u"ifdef" || keyword == u"ifndef") {
            platformGroups.append(namesPlatform(rest));
        } else if (keyword == u"elif" && !platformGroups.isEmpty()) {
            platformGroups.last() = platformGroups.last() || namesPlatform(rest);
        } else if (keyword == u"endif" && !platformGroups.isEmpty()) {
            platformGroups.removeLast();
        } else if (keyword == u"include") {
            const QString header = nonPortableInclude(lines.at(i));
            if (header.isEmpty())
                continue;
            if (allowGuarded && platformGroups.contains(true))
                continue;
            violations << QStringLiteral("%1: %2").arg(i + 1).arg(header);
        }
    }
    return violations;
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

// Folders that are not scanned: the platform folders (platform/,
// tests/platform/) and the Linux-only benchmark by rule, build trees (they hold CMakeCache.txt),
// vendored npm packages and VCS metadata.
bool isExcludedDir(const QString &relativePath, const QFileInfo &info)
{
    const QString name = info.fileName();
    if (name == u"platform" || relativePath == u"bench")
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
        const bool isTest = relative.startsWith(QStringLiteral("tests/"));
        const QStringList found = findViolations(QString::fromUtf8(file.readAll()), isTest);
        for (const QString &violation : found) {
            const qsizetype colon = violation.indexOf(u':');
            result->violations
                << QStringLiteral("%1:%2: #include <%3> (%4)")
                       .arg(relative, violation.left(colon), violation.mid(colon + 2),
                           isTest ? QStringLiteral("guard it with #ifdef for its platform")
                                  : QStringLiteral("move it behind an interface in platform/"));
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
    void guardedIncludes_data();
    void guardedIncludes();
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

void tst_PortableHeaders::guardedIncludes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("allowGuarded");
    QTest::addColumn<QStringList>("violations");

    const QString ifdefWin
        = QStringLiteral("#include <QString>\n#ifdef _WIN32\n#include <windows.h>\n"
                         "#else\n#include <unistd.h>\n#endif\n");
    QTest::addRow("guarded, test code") << ifdefWin << true << QStringList();
    QTest::addRow("guarded, product code")
        << ifdefWin << false
        << QStringList {QStringLiteral("3: windows.h"), QStringLiteral("5: unistd.h")};
    QTest::addRow("Q_OS guard") << QStringLiteral(
        "#if defined(Q_OS_UNIX)\n#include <signal.h>\n#endif\n")
                                << true << QStringList();
    QTest::addRow("elif names the platform")
        << QStringLiteral("#if FOO\n#elif defined(__APPLE__)\n#include <mach/mach.h>\n#endif\n")
        << true << QStringList();
    QTest::addRow("after the guard closes")
        << QStringLiteral("#ifdef _WIN32\n#endif\n#include <unistd.h>\n") << true
        << QStringList {QStringLiteral("3: unistd.h")};
    QTest::addRow("non-platform guard") << QStringLiteral(
        "#ifndef FARMCHAT_X_H\n#define FARMCHAT_X_H\n#include <sys/socket.h>\n#endif\n")
                                        << true << QStringList {QStringLiteral("3: sys/socket.h")};
    QTest::addRow("nested in a platform guard")
        << QStringLiteral("#ifdef __linux__\n#if HAVE_X\n#include <sys/prctl.h>\n#endif\n#endif\n")
        << true << QStringList();
}

void tst_PortableHeaders::guardedIncludes()
{
    QFETCH(QString, text);
    QFETCH(bool, allowGuarded);
    QFETCH(QStringList, violations);
    QCOMPARE(findViolations(text, allowGuarded), violations);
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
    qInfo("scanned %lld source files outside the platform folders and bench/",
        static_cast<long long>(result.scannedFiles.size()));

    QVERIFY2(result.violations.isEmpty(),
        qPrintable(QStringLiteral("\n") + result.violations.join(u'\n')));
}

QTEST_GUILESS_MAIN(tst_PortableHeaders)
#include "tst_portableheaders.moc"
