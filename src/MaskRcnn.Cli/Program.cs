namespace MaskRcnn.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("maskrcnn: skeleton");
        return 0;
    }
}
