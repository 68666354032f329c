using System.Globalization;

namespace FarmChat.AspNetCore;

// FarmChat's argument checks for names, rooms and texts, with its error texts
// (protocol/chatmessage.cpp): null when the value is fine.
public static class InputChecks
{
    public const int MaxNameChars = 64;
    public const int MaxRoomChars = 64;
    public const int MaxTextChars = 4000;
    public const int MaxRoomsPerConnection = 32;
    public const int MaxHistoryLimit = 1000;

    public static string? RoomName(string room) => Label(room, "room name", MaxRoomChars);

    public static string? UserName(string name) => Label(name, "name", MaxNameChars);

    public static string? MessageText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "message text must not be empty";
        return text.Length > MaxTextChars ? $"message text is longer than {MaxTextChars} characters" : null;
    }

    private static string? Label(string value, string what, int maxChars)
    {
        if (value.Length == 0)
            return $"{what} must not be empty";
        if (value.Length > maxChars)
            return $"{what} is longer than {maxChars} characters";
        if (value.Trim().Length != value.Length)
            return $"{what} must not start or end with spaces";
        if (value.Any(IsControl))
            return $"{what} must not contain control characters";
        return null;
    }

    private static bool IsControl(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format;
}
