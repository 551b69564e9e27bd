console.log("sumgate");
